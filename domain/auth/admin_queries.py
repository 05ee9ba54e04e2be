"""The Admin's view of accounts: search, read, grant roles. Names come from the users context's service.

Kept out of domain/auth/service.py because it reads the users context, which itself is called by
auth's service when an account is created (no import cycle).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.auth import service as auth_service
from domain.auth.models import Account
from domain.auth.repository import AuthRepository
from domain.shared.roles import Role
from domain.shared.schemas import Page
from domain.users import service as users_service
from domain.users.errors import CannotDemoteSelf
from domain.users.schemas import AdminUserPublic, AdminUserQuery


async def _with_names(session: AsyncSession, accounts: Sequence[Account]) -> list[AdminUserPublic]:
    profiles = await users_service.profiles_by_id(session, user_ids=[a.id for a in accounts])
    return [
        AdminUserPublic(id=a.id, email=a.email, role=a.role, email_verified=a.email_verified_at is not None,
                        is_active=a.is_active, created_at=a.created_at,
                        first_name=profiles[a.id].first_name if a.id in profiles else "",
                        last_name=profiles[a.id].last_name if a.id in profiles else "")
        for a in accounts
    ]


async def list_users(session: AsyncSession, *, query: AdminUserQuery) -> Page[AdminUserPublic]:
    """Return one page of users, filtered by role and part of the email."""
    accounts, total = await AuthRepository(session).search(role=query.role, email=query.email,
                                                                   offset=query.offset, limit=query.page_size)
    return Page[AdminUserPublic](items=await _with_names(session, accounts), total=total, page=query.page,
                                 page_size=query.page_size)


async def get_user(session: AsyncSession, *, user_id: uuid.UUID) -> AdminUserPublic:
    """Return one user or raise NotFound."""
    account = await auth_service.get_account(session, account_id=user_id)
    return (await _with_names(session, [account]))[0]


async def grant_role(session: AsyncSession, *, actor_id: uuid.UUID, user_id: uuid.UUID,
                     role: Role) -> AdminUserPublic:
    """Give a user a role; an Admin cannot take the Admin role from themself."""
    if user_id == actor_id and role is not Role.ADMIN:
        raise CannotDemoteSelf("You cannot remove your own Admin role; ask another Admin.")
    account = await auth_service.set_role(session, account_id=user_id, role=role)
    return (await _with_names(session, [account]))[0]
