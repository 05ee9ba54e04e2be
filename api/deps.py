"""FastAPI dependencies: clients from the lifespan state, the unit of work, and the auth rules.

Every route declares its rule: a role (`CurrentUser`, `StaffUser`, ..., or `require_role(...)` on the
router) or `route_class=PublicRoute` for open routes. tests/api/test_route_rules.py walks the OpenAPI
document and fails for a route that has neither.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from redis.asyncio import Redis
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from domain.auth.errors import TokenOutdated
from domain.auth.tokens import AccessClaims, decode_access_token
from domain.shared.errors import Forbidden, Unauthorized
from domain.shared.roles import Role
from infra.mail import Mailer
from infra.settings import Settings


def _state(request: Request, name: str) -> Any:
    return getattr(request.state, name)


# Dependencies are `async def` even when they do not await: FastAPI runs a plain `def` one in its thread pool.
async def get_settings_dep(request: Request) -> Settings:
    return _state(request, "settings")  # type: ignore[no-any-return]


async def get_redis(request: Request) -> Redis:
    return _state(request, "redis")  # type: ignore[no-any-return]


async def get_temporal(request: Request) -> Client:
    return _state(request, "temporal")  # type: ignore[no-any-return]


async def get_mailer(request: Request) -> Mailer:
    return _state(request, "mailer")  # type: ignore[no-any-return]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request is the unit of work: commit after the handler returns, roll back if it raised."""
    async with request.state.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
RedisDep = Annotated[Redis, Depends(get_redis)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
MailerDep = Annotated[Mailer, Depends(get_mailer)]
# scope="function": the commit happens before the response is sent, so a 2xx is never sent for a
# write that then fails to commit.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <accessToken>` from /api/auth/login")


def revoked_key(jti: str) -> str:
    return f"auth:revoked:{jti}"


def valid_after_key(user_id: uuid.UUID) -> str:
    return f"auth:valid-after:{user_id}"


async def invalidate_access_tokens(redis: Redis, *, user_id: uuid.UUID, now: datetime, ttl: timedelta) -> None:
    """Refuse every access token of this user issued before `now` (after a role change or password reset)."""
    await redis.set(valid_after_key(user_id), f"{now.timestamp():.3f}", ex=max(int(ttl.total_seconds()), 1))


async def authorize(
    scopes: SecurityScopes,
    redis: RedisDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> AccessClaims:
    """Admit a signed-in user whose role is at least every role named in the route's scopes."""
    if credentials is None:
        raise Unauthorized("Sign in first: send `Authorization: Bearer <accessToken>`.")
    claims = decode_access_token(credentials.credentials, secret=settings.jwt_secret.get_secret_value(),
                                 issuer=settings.jwt_issuer)
    async with redis.pipeline(transaction=False) as pipe:
        revoked, valid_after = await pipe.exists(revoked_key(claims.jti)).get(valid_after_key(claims.user_id)).execute()
    if revoked:
        raise Unauthorized("The access token has been revoked.")
    if valid_after is not None and claims.issued_at < float(valid_after):
        raise TokenOutdated("Your account changed (role or password); sign in again.")
    for needed in map(Role, scopes.scopes):
        if not claims.role.at_least(needed):
            raise Forbidden(f"This needs the {needed.value} role or higher.")
    return claims


def require_role(minimum: Role) -> Any:
    """The dependency for routes open to `minimum` and higher roles; OpenAPI shows the role as a scope."""
    return Security(authorize, scopes=[minimum.value])


CurrentUser = Annotated[AccessClaims, require_role(Role.CUSTOMER)]
StaffUser = Annotated[AccessClaims, require_role(Role.STAFF)]
ManagerUser = Annotated[AccessClaims, require_role(Role.MANAGER)]
AdminUser = Annotated[AccessClaims, require_role(Role.ADMIN)]


class PublicRoute(APIRoute):
    """Route class for routes open to everyone; marked `x-public` in OpenAPI for the route-rule test."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["openapi_extra"] = {**(kwargs.get("openapi_extra") or {}), "x-public": True}
        super().__init__(*args, **kwargs)
