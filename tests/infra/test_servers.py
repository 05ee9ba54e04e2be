"""The embedded servers as the rest of the code sees them through Settings' default addresses."""

from __future__ import annotations

import asyncpg
from redis.asyncio import Redis

from infra.servers import APP_USER, DATABASE_NAME
from infra.settings import Settings
from tests.conftest import Servers


def _defaults(servers: Servers) -> Settings:
    """Settings with no URL set: every address is the embedded server's default one."""
    return Settings(_env_file=None, ports=servers.ports)  # type: ignore[call-arg]


async def test_the_default_database_url_reaches_the_embedded_postgres(servers: Servers) -> None:
    url = _defaults(servers).resolved_database_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(url)
    try:
        row = await connection.fetchrow("SELECT current_user, current_database()")
        # The tables the session fixture migrated as `postgres` are usable by the app's role too.
        accounts = await connection.fetchval("SELECT count(*) >= 0 FROM auth.account")
    finally:
        await connection.close()
    assert tuple(row) == (APP_USER, DATABASE_NAME)
    assert accounts is True


async def test_the_default_redis_url_reaches_the_embedded_redis(servers: Servers) -> None:
    redis = Redis.from_url(_defaults(servers).resolved_redis_url)
    try:
        assert await redis.ping()
    finally:
        await redis.aclose()
