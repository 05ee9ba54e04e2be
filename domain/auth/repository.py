"""All SQL of the auth context."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.auth.models import Account, OAuthIdentity, OneTimeToken, RefreshToken
from domain.shared.roles import Role


class AuthRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def customer_ids(self, *, among: list[uuid.UUID] | None, after: uuid.UUID | None,
                           limit: int) -> list[uuid.UUID]:
        """Active customer accounts in id order: after `after`, and only of `among` if given."""
        conditions = [col(Account.role) == Role.CUSTOMER, col(Account.is_active)]
        if among is not None:
            conditions.append(col(Account.id).in_(among))
        if after is not None:
            conditions.append(col(Account.id) > after)
        stmt = select(col(Account.id)).where(*conditions).order_by(col(Account.id)).limit(limit)
        return list((await self.session.exec(stmt)).all())

    async def account_by_email(self, email: str) -> Account | None:
        return (await self.session.exec(select(Account).where(Account.email == email.lower()))).one_or_none()

    async def account(self, account_id: uuid.UUID) -> Account | None:
        return await self.session.get(Account, account_id)

    async def add(self, row: Account | RefreshToken | OneTimeToken | OAuthIdentity) -> None:
        self.session.add(row)
        await self.session.flush()

    async def refresh_token_for_update(self, token_hash: str) -> RefreshToken | None:
        stmt = (select(RefreshToken).where(RefreshToken.token_hash == token_hash)
                .with_for_update().execution_options(populate_existing=True))
        return (await self.session.exec(stmt)).one_or_none()

    async def revoke_family(self, family_id: uuid.UUID, now: datetime) -> None:
        await self.session.exec(  # type: ignore[call-overload]
            update(RefreshToken)
            .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
            .values(revoked_at=now)
        )

    async def revoke_account_tokens(self, account_id: uuid.UUID, now: datetime) -> None:
        await self.session.exec(  # type: ignore[call-overload]
            update(RefreshToken)
            .where(col(RefreshToken.account_id) == account_id, col(RefreshToken.revoked_at).is_(None))
            .values(revoked_at=now)
        )

    async def one_time_token_for_update(self, token_hash: str, purpose: str) -> OneTimeToken | None:
        stmt = (select(OneTimeToken)
                .where(OneTimeToken.token_hash == token_hash, OneTimeToken.purpose == purpose)
                .with_for_update().execution_options(populate_existing=True))
        return (await self.session.exec(stmt)).one_or_none()

    async def identity(self, provider: str, subject: str) -> OAuthIdentity | None:
        stmt = select(OAuthIdentity).where(OAuthIdentity.provider == provider, OAuthIdentity.subject == subject)
        return (await self.session.exec(stmt)).one_or_none()

    async def search(self, *, role: Role | None, email: str | None, offset: int,
                     limit: int) -> tuple[list[Account], int]:
        """One page of accounts, newest first, and the count of all that match."""
        conditions = []
        if role is not None:
            conditions.append(col(Account.role) == role)
        if email:
            conditions.append(col(Account.email).contains(email.lower(), autoescape=True))
        total = (await self.session.exec(select(func.count()).select_from(Account).where(*conditions))).one()
        stmt = (select(Account).where(*conditions).order_by(col(Account.created_at).desc(), col(Account.id))
                .offset(offset).limit(limit))
        return list((await self.session.exec(stmt)).all()), total
