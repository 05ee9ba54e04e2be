"""Routes of the admin service: user management, Admin role only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import AdminUser, RedisDep, SessionDep, SettingsDep, invalidate_access_tokens, require_role
from domain.auth import admin_queries
from domain.shared.roles import Role
from domain.shared.schemas import Page
from domain.shared.time import utcnow
from domain.users.schemas import AdminUserPublic, AdminUserQuery, RoleUpdate

UserId = Annotated[uuid.UUID, Path(alias="id", description="The user's id (the same in auth and users)")]

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[require_role(Role.ADMIN)])


@router.get("/users", response_model=Page[AdminUserPublic],
            summary="Users, newest first; filter by role and part of the email")
async def list_users(query: Annotated[AdminUserQuery, Query()], session: SessionDep) -> Page[AdminUserPublic]:
    return await admin_queries.list_users(session, query=query)


@router.get("/users/{id}", response_model=AdminUserPublic, summary="One user")
async def read_user(user_id: UserId, session: SessionDep) -> AdminUserPublic:
    return await admin_queries.get_user(session, user_id=user_id)


@router.put("/users/{id}/role", response_model=AdminUserPublic,
            summary="Grant a role; the user's current access tokens stop working (sign in or refresh again)")
async def set_role(user_id: UserId, body: RoleUpdate, admin: AdminUser, session: SessionDep,
                   redis: RedisDep, settings: SettingsDep) -> AdminUserPublic:
    granted = await admin_queries.grant_role(session, actor_id=admin.user_id, user_id=user_id, role=body.role)
    await invalidate_access_tokens(redis, user_id=user_id, now=utcnow(), ttl=settings.access_token_ttl)
    return granted
