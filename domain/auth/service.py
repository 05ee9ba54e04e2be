"""Use cases of the auth context: accounts, token pairs with rotation, mailed one-time tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.auth.errors import (
    AccountDisabled,
    EmailTaken,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidToken,
    RefreshTokenReused,
)
from domain.auth.models import Account, OAuthIdentity, OneTimeToken, RefreshToken
from domain.auth.passwords import hash_password, verify_password
from domain.auth.repository import AuthRepository
from domain.auth.tokens import hash_secret, issue_access_token, mailed_secret, new_secret
from domain.contracts.events import (
    EventModel,
    PasswordResetAsked,
    PasswordResetRequested,
    RegistrationRepeated,
    Topic,
    UserRegistered,
)
from domain.shared.errors import NotFound
from domain.shared.outbox import emit
from domain.shared.roles import Role
from domain.users import service as users_service

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"


@dataclass(frozen=True)
class TokenPolicy:
    secret: str
    issuer: str
    access_ttl: timedelta
    refresh_ttl: timedelta


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    account: Account


async def active_customer_ids(session: AsyncSession, *, among: list[uuid.UUID] | None = None,
                              after: uuid.UUID | None = None, limit: int = 1000) -> list[uuid.UUID]:
    """One page (id order) of the active accounts with role Customer; `among` narrows it to those ids."""
    return await AuthRepository(session).customer_ids(among=among, after=after, limit=limit)


async def create_account(session: AsyncSession, *, email: str, password: str | None, role: Role = Role.CUSTOMER,
                         verified_at: datetime | None = None, first_name: str = "",
                         last_name: str = "") -> Account:
    """Create an account and its user profile; refuse an email already registered."""
    repo = AuthRepository(session)
    if await repo.account_by_email(email):
        raise EmailTaken("An account with this email already exists.")
    account = Account(email=email.lower(), password_hash=hash_password(password) if password else None,
                      role=role, email_verified_at=verified_at)
    try:
        async with session.begin_nested():  # a lost race rolls back only this insert: the caller may go on
            await repo.add(account)
    except IntegrityError as e:  # a concurrent registration of the same email won the race
        raise EmailTaken("An account with this email already exists.") from e
    await users_service.create_profile(session, user_id=account.id, email=account.email, first_name=first_name,
                                       last_name=last_name)
    return account


async def ensure_account(session: AsyncSession, *, email: str, password: str, role: Role, now: datetime,
                         first_name: str = "", last_name: str = "") -> tuple[Account, bool]:
    """Return the account with this email, creating it (verified) when missing. Second item: created?"""
    existing = await AuthRepository(session).account_by_email(email)
    if existing is not None:
        return existing, False
    account = await create_account(session, email=email, password=password, role=role, verified_at=now,
                                   first_name=first_name, last_name=last_name)
    return account, True


async def authenticate(session: AsyncSession, *, email: str, password: str) -> Account:
    account = await AuthRepository(session).account_by_email(email)
    # Verify against a dummy hash when the account is unknown, so timing does not reveal which emails exist.
    if account is None or account.password_hash is None:
        verify_password(_DUMMY_HASH, password)
        raise InvalidCredentials("Email or password is wrong.")
    if not verify_password(account.password_hash, password):
        raise InvalidCredentials("Email or password is wrong.")
    if not account.is_active:
        raise AccountDisabled("This account is disabled.")
    return account


async def issue_tokens(session: AsyncSession, *, account: Account, policy: TokenPolicy, now: datetime,
                       family_id: uuid.UUID | None = None) -> TokenPair:
    """A new access token and refresh token; the refresh token starts or continues a family."""
    access, claims = issue_access_token(user_id=account.id, role=account.role, secret=policy.secret,
                                        issuer=policy.issuer, now=now, ttl=policy.access_ttl)
    secret = new_secret()
    refresh = RefreshToken(family_id=family_id or uuid.uuid4(), account_id=account.id,
                           token_hash=hash_secret(secret), expires_at=now + policy.refresh_ttl)
    await AuthRepository(session).add(refresh)
    return TokenPair(access_token=access, access_expires_at=claims.expires_at, refresh_token=secret,
                     refresh_expires_at=refresh.expires_at, account=account)


async def rotate_refresh_token(session: AsyncSession, *, refresh_token: str, policy: TokenPolicy,
                               now: datetime) -> TokenPair | RefreshTokenReused:
    """Trade a refresh token for a new pair. A token used twice revokes its whole family.

    Reuse is *returned*, not raised, because the family's revocation must be committed
    before the caller answers 401.
    """
    repo = AuthRepository(session)
    row = await repo.refresh_token_for_update(hash_secret(refresh_token))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise InvalidRefreshToken("The refresh token is not valid; sign in again.")
    if row.used_at is not None:
        await repo.revoke_family(row.family_id, now)
        return RefreshTokenReused("This refresh token was already used; every session from it is signed out.")
    account = await repo.account(row.account_id)
    if account is None or not account.is_active:
        raise InvalidRefreshToken("The refresh token is not valid; sign in again.")
    row.used_at = now
    session.add(row)
    return await issue_tokens(session, account=account, policy=policy, now=now, family_id=row.family_id)


async def revoke_refresh_family(session: AsyncSession, *, refresh_token: str, account_id: uuid.UUID,
                                now: datetime) -> None:
    """Sign out the session a refresh token belongs to (unknown tokens are ignored)."""
    repo = AuthRepository(session)
    row = await repo.refresh_token_for_update(hash_secret(refresh_token))
    if row is not None and row.account_id == account_id:
        await repo.revoke_family(row.family_id, now)


async def _mailed_token(session: AsyncSession, *, account: Account, purpose: str, topic: Topic, payload: EventModel,
                        ttl: timedelta, now: datetime, key: str) -> uuid.UUID:
    event_id = uuid.uuid4()
    await AuthRepository(session).add(OneTimeToken(account_id=account.id, purpose=purpose, expires_at=now + ttl,
                                                   token_hash=hash_secret(mailed_secret(key, event_id))))
    await emit(session, topic, payload, aggregate_id=account.id, event_id=event_id)
    return event_id


async def request_email_verification(session: AsyncSession, *, account: Account, ttl: timedelta, now: datetime,
                                     key: str, first_name: str | None = None) -> uuid.UUID:
    """user.registered: the auth mail sender (workers/subscribers/auth.py) mails the verification link."""
    return await _mailed_token(session, account=account, purpose=VERIFY_EMAIL, topic=Topic.USER_REGISTERED,
                               payload=UserRegistered(user_id=account.id, email=account.email, first_name=first_name),
                               ttl=ttl, now=now, key=key)


async def registration_repeated(session: AsyncSession, *, email: str, password: str) -> None:
    """Someone signed up with a taken email: tell the owner (user.registration.repeated). The password is
    hashed and thrown away so this takes as long as creating an account: the caller learns nothing."""
    hash_password(password)
    account = await AuthRepository(session).account_by_email(email)
    if account is not None:  # None only if it was deleted meanwhile
        await emit(session, Topic.REGISTRATION_REPEATED, RegistrationRepeated(user_id=account.id,
                                                                              email=account.email),
                   aggregate_id=account.id)


async def ask_password_reset(session: AsyncSession, *, email: str) -> None:
    """user.password_reset.asked, for any email: the same work whether it has an account or not. The auth
    service's consumer (workers/subscribers/auth.py) looks it up and sends the link to an active account."""
    await emit(session, Topic.PASSWORD_RESET_ASKED, PasswordResetAsked(email=email.lower()),
               aggregate_id=email_aggregate_id(email))


def email_aggregate_id(email: str) -> uuid.UUID:
    """An event's aggregate id for an email that may have no account (an email is longer than an id column)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:{email.lower()}")


async def request_password_reset(session: AsyncSession, *, account: Account, ttl: timedelta, now: datetime,
                                 key: str) -> uuid.UUID:
    """user.password_reset.requested: the auth mail sender mails the reset link."""
    return await _mailed_token(session, account=account, purpose=RESET_PASSWORD,
                               topic=Topic.PASSWORD_RESET_REQUESTED,
                               payload=PasswordResetRequested(user_id=account.id, email=account.email), ttl=ttl,
                               now=now, key=key)


async def consume_one_time_token(session: AsyncSession, *, token: str, purpose: str, now: datetime) -> Account:
    repo = AuthRepository(session)
    row = await repo.one_time_token_for_update(hash_secret(token), purpose)
    if row is None or row.used_at is not None:
        raise InvalidToken("This link is not valid or was already used.")
    if row.expires_at <= now:
        raise InvalidToken("This link has expired; ask for a new one.")
    account = await repo.account(row.account_id)
    if account is None:
        raise InvalidToken("This link is not valid or was already used.")
    row.used_at = now
    session.add(row)
    return account


async def verify_email(session: AsyncSession, *, token: str, now: datetime) -> Account:
    account = await consume_one_time_token(session, token=token, purpose=VERIFY_EMAIL, now=now)
    account.email_verified_at = account.email_verified_at or now
    session.add(account)
    return account


async def reset_password(session: AsyncSession, *, token: str, new_password: str, now: datetime) -> Account:
    """Set a new password and sign out every session of the account."""
    account = await consume_one_time_token(session, token=token, purpose=RESET_PASSWORD, now=now)
    account.password_hash = hash_password(new_password)
    session.add(account)
    await AuthRepository(session).revoke_account_tokens(account.id, now)
    return account


async def account_by_email(session: AsyncSession, *, email: str) -> Account | None:
    return await AuthRepository(session).account_by_email(email)


async def get_account(session: AsyncSession, *, account_id: uuid.UUID) -> Account:
    account = await AuthRepository(session).account(account_id)
    if account is None:
        raise NotFound("No such user.")
    return account


async def set_role(session: AsyncSession, *, account_id: uuid.UUID, role: Role) -> Account:
    account = await get_account(session, account_id=account_id)
    account.role = role
    session.add(account)
    await session.flush()
    return account


async def login_with_identity(session: AsyncSession, *, provider: str, subject: str, email: str,
                              email_verified: bool, first_name: str, last_name: str, now: datetime) -> Account:
    """Find or create the account of a social identity; link it to an existing account with a verified email."""
    repo = AuthRepository(session)
    identity = await repo.identity(provider, subject)
    if identity is not None:
        return await get_account(session, account_id=identity.account_id)
    account = await repo.account_by_email(email)
    if account is None:
        account = await create_account(session, email=email, password=None, first_name=first_name,
                                       last_name=last_name, verified_at=now if email_verified else None)
    elif not email_verified:
        raise EmailTaken("An account with this email exists; sign in with your password to link this provider.")
    await repo.add(OAuthIdentity(provider=provider, subject=subject, account_id=account.id))
    return account


_DUMMY_HASH = hash_password("timing-equaliser-not-a-password")
