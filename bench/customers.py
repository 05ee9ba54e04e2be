"""Customers for HTTP benchmarks: verified accounts signed in with an access token, made straight in the
database (no password to hash: signing 2,000 people up over HTTP would measure argon2, not the booking)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from domain.auth import service as auth_service
from domain.auth.tokens import issue_access_token
from domain.shared.roles import Role
from domain.shared.time import utcnow
from infra.db import create_engine, make_sessionmaker, unit_of_work
from infra.settings import Settings

BATCH = 100


async def customers(settings: Settings, n: int, *, role: Role = Role.CUSTOMER) -> list[dict[str, str]]:
    """`n` new accounts; for each, the headers that sign its requests in."""
    engine = create_engine(settings.resolved_database_url)
    sessionmaker = make_sessionmaker(engine)
    secret, now = settings.jwt_secret.get_secret_value(), utcnow()

    async def batch(size: int) -> list[dict[str, str]]:
        headers = []
        async with unit_of_work(sessionmaker) as session:
            for _ in range(size):
                account = await auth_service.create_account(
                    session, email=f"bench-{uuid.uuid4().hex[:12]}@example.com", password=None, role=role,
                    verified_at=now, first_name="Bench", last_name="Customer")
                token, _ = issue_access_token(user_id=account.id, role=role, secret=secret,
                                              issuer=settings.jwt_issuer, now=now, ttl=timedelta(hours=2))
                headers.append({"Authorization": f"Bearer {token}"})
        return headers

    try:
        sizes = [min(BATCH, n - i) for i in range(0, n, BATCH)]
        return [h for part in await asyncio.gather(*(batch(size) for size in sizes)) for h in part]
    finally:
        await engine.dispose()
