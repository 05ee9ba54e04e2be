"""Routes of the auth service (seed §1): accounts, tokens, mailed links, social sign-in."""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import Annotated

import httpx
from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse, RedirectResponse

from api.deps import (
    CurrentUser,
    PublicRoute,
    RedisDep,
    SessionDep,
    SettingsDep,
    invalidate_access_tokens,
    revoked_key,
)
from api.errors import error_body
from domain.auth import service as auth_service
from domain.auth.errors import EmailTaken, InvalidToken, RefreshTokenReused
from domain.auth.schemas import (
    AccountPublic,
    ForgotPasswordRequest,
    LoginRequest,
    LogoutRequest,
    Message,
    RefreshRequest,
    RegisterRequest,
    ResetPasswordRequest,
    TokenResponse,
    VerifyEmailRequest,
)
from domain.auth.service import TokenPair, TokenPolicy
from domain.shared.errors import NotFound
from domain.shared.time import utcnow
from infra.oauth import OAuthFailed, OAuthProvider
from infra.rate_limit import RateLimit
from infra.settings import Settings

open_routes = APIRouter(route_class=PublicRoute)
session_routes = APIRouter()

OAUTH_STATE_TTL = 600


def _policy(settings: Settings) -> TokenPolicy:
    return TokenPolicy(secret=settings.jwt_secret.get_secret_value(), issuer=settings.jwt_issuer,
                       access_ttl=settings.access_token_ttl, refresh_ttl=settings.refresh_token_ttl)


def _login_limit(settings: Settings) -> RateLimit:
    return RateLimit("login", settings.login_rate_limit, settings.login_rate_window)


def _register_limit(settings: Settings) -> RateLimit:
    return RateLimit("register", settings.login_rate_limit, settings.login_rate_window)


def _reset_limit(settings: Settings) -> RateLimit:
    return RateLimit("password-reset", settings.login_rate_limit, settings.login_rate_window)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _token_response(pair: TokenPair) -> TokenResponse:
    account = pair.account
    return TokenResponse(
        access_token=pair.access_token, expires_at=pair.access_expires_at, refresh_token=pair.refresh_token,
        refresh_expires_at=pair.refresh_expires_at,
        user=AccountPublic(id=account.id, email=account.email, role=account.role,
                           email_verified=account.email_verified_at is not None),
    )


@open_routes.post("/register", status_code=status.HTTP_202_ACCEPTED, response_model=Message,
                  summary="Sign up: creates a customer account and mails a verification link; then sign in "
                          "(the answer is the same whether the email is taken)")
async def register(body: RegisterRequest, request: Request, session: SessionDep, settings: SettingsDep,
                   redis: RedisDep) -> Message:
    """A new email gets an account, usable at once through /login, and the verification mail (event
    user.registered). An email that has an account already gets a mail telling its owner so (event
    user.registration.repeated) and nothing changes. Either way the answer is this 202 after the same work, so
    nobody learns which emails have accounts; the mails follow the commit."""
    limit, subject = _register_limit(settings), f"{_client_ip(request)}:{body.email.lower()}"
    await limit.take(redis, subject)
    try:
        account = await auth_service.create_account(session, email=body.email, password=body.password,
                                                    first_name=body.first_name, last_name=body.last_name)
    except EmailTaken:
        await auth_service.registration_repeated(session, email=body.email, password=body.password)
    else:
        await auth_service.request_email_verification(session, account=account, ttl=settings.email_token_ttl,
                                                      now=utcnow(), key=settings.jwt_secret.get_secret_value(),
                                                      first_name=body.first_name)
    return Message(message="Check your inbox: we sent a link to finish signing up. You can sign in now.")


@open_routes.post("/login", response_model=TokenResponse, summary="Sign in with email and password")
async def login(body: LoginRequest, request: Request, session: SessionDep, settings: SettingsDep,
                redis: RedisDep) -> TokenResponse:
    limit, subject = _login_limit(settings), f"{_client_ip(request)}:{body.email.lower()}"
    # Counted before the password is checked, in one round trip: parallel attempts each get their own count,
    # so no more than login_rate_limit of them reach the check in a window. A success starts afresh.
    await limit.take(redis, subject)
    account = await auth_service.authenticate(session, email=body.email, password=body.password)
    await limit.reset(redis, subject)
    return _token_response(await auth_service.issue_tokens(session, account=account, policy=_policy(settings),
                                                           now=utcnow()))


@open_routes.post("/refresh-token", response_model=TokenResponse,
                  summary="Trade a refresh token for a new pair (each refresh token works once)")
async def refresh_token(body: RefreshRequest, session: SessionDep,
                        settings: SettingsDep) -> TokenResponse | JSONResponse:
    outcome = await auth_service.rotate_refresh_token(session, refresh_token=body.refresh_token,
                                                      policy=_policy(settings), now=utcnow())
    if isinstance(outcome, RefreshTokenReused):
        # Answered, not raised: the request's unit of work commits the family's revocation, then we refuse.
        return JSONResponse(error_body(outcome.code, outcome.message), status_code=outcome.status_code)
    return _token_response(outcome)


@open_routes.post("/forgot-password", status_code=status.HTTP_202_ACCEPTED, response_model=Message,
                  summary="Mail a password-reset link (the answer is the same whether the email exists)")
async def forgot_password(body: ForgotPasswordRequest, request: Request, session: SessionDep,
                          settings: SettingsDep, redis: RedisDep) -> Message:
    limit, subject = _reset_limit(settings), f"{_client_ip(request)}:{body.email.lower()}"
    await limit.take(redis, subject)
    await auth_service.ask_password_reset(session, email=body.email)  # looked up after this answer
    return Message(message="If an account exists for this email, a reset link is on its way.")


@open_routes.post("/reset-password", response_model=Message,
                  summary="Set a new password with a mailed token; signs out every session")
async def reset_password(body: ResetPasswordRequest, request: Request, session: SessionDep,
                         settings: SettingsDep, redis: RedisDep) -> Message:
    limit, subject = _reset_limit(settings), f"{_client_ip(request)}:reset-token"
    await limit.check(redis, subject)
    now = utcnow()
    try:
        account = await auth_service.reset_password(session, token=body.token, new_password=body.new_password,
                                                    now=now)
    except InvalidToken:
        await limit.hit(redis, subject)
        raise
    await invalidate_access_tokens(redis, user_id=account.id, now=now, ttl=settings.access_token_ttl)
    return Message(message="Your password has been changed. Sign in with the new one.")


@open_routes.post("/verify-email", response_model=AccountPublic, summary="Confirm an email with the mailed token")
async def verify_email(body: VerifyEmailRequest, session: SessionDep) -> AccountPublic:
    account = await auth_service.verify_email(session, token=body.token, now=utcnow())
    return AccountPublic(id=account.id, email=account.email, role=account.role, email_verified=True)


@open_routes.get("/verify-email", response_model=AccountPublic,
                 summary="Same as POST, for the link in the mail")
async def verify_email_link(token: Annotated[str, Query(min_length=10, max_length=200)],
                            session: SessionDep) -> AccountPublic:
    return await verify_email(VerifyEmailRequest(token=token), session)


@session_routes.post("/logout", status_code=status.HTTP_204_NO_CONTENT,
                     summary="Revoke this access token and, if given, the refresh token's session")
async def logout(user: CurrentUser, session: SessionDep, redis: RedisDep, body: LogoutRequest | None = None) -> None:
    """The body is optional: without one (or without `refreshToken`) only this access token is revoked."""
    now = utcnow()
    ttl = max(int((user.expires_at - now).total_seconds()), 1)
    await redis.set(revoked_key(user.jti), "1", ex=ttl)
    if body is not None and body.refresh_token:
        await auth_service.revoke_refresh_family(session, refresh_token=body.refresh_token,
                                                 account_id=user.user_id, now=now)


class Provider(StrEnum):
    GOOGLE = "google"
    FACEBOOK = "facebook"


def _provider(settings: Settings, name: Provider) -> OAuthProvider:
    provider = OAuthProvider(name.value, getattr(settings, name.value))
    if not provider.enabled:
        raise NotFound(f"Sign-in with {name.value.title()} is not configured on this server.")
    return provider


def _callback_url(settings: Settings, name: Provider) -> str:
    return f"{settings.resolved_public_base_url}/api/auth/{name.value}/callback"


@open_routes.get("/{provider}", status_code=status.HTTP_302_FOUND, response_class=RedirectResponse,
                 summary="Start social sign-in: redirects to Google or Facebook")
async def oauth_start(provider: Provider, settings: SettingsDep, redis: RedisDep) -> RedirectResponse:
    state = secrets.token_urlsafe(24)
    await redis.set(f"auth:oauth-state:{state}", provider.value, ex=OAUTH_STATE_TTL)
    url = _provider(settings, provider).authorization_url(state=state, redirect_uri=_callback_url(settings, provider))
    return RedirectResponse(url, status_code=status.HTTP_302_FOUND)


@open_routes.get("/{provider}/callback", response_model=TokenResponse,
                 summary="Where the provider sends the user back; answers with a token pair")
async def oauth_callback(provider: Provider, code: Annotated[str, Query(max_length=2000)],
                         state: Annotated[str, Query(max_length=200)], session: SessionDep,
                         settings: SettingsDep, redis: RedisDep) -> TokenResponse:
    oauth = _provider(settings, provider)
    if await redis.getdel(f"auth:oauth-state:{state}") != provider.value:
        raise OAuthFailed("This sign-in link is not valid or has expired; start again.")
    async with httpx.AsyncClient(timeout=10) as http:
        identity = await oauth.identify(code=code, redirect_uri=_callback_url(settings, provider), http=http)
    now = utcnow()
    account = await auth_service.login_with_identity(
        session, provider=provider.value, subject=identity.subject, email=identity.email,
        email_verified=identity.email_verified, first_name=identity.first_name, last_name=identity.last_name,
        now=now)
    return _token_response(await auth_service.issue_tokens(session, account=account, policy=_policy(settings),
                                                           now=now))


router = APIRouter(prefix="/auth", tags=["auth"])
router.include_router(session_routes)
router.include_router(open_routes)
