"""Access tokens (JWT, HS256 only) and opaque secrets for refresh and mailed tokens. Pure functions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from domain.shared.errors import Unauthorized
from domain.shared.roles import Role

ALGORITHM = "HS256"


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    role: Role
    jti: str
    expires_at: datetime
    issued_at: float  # epoch seconds with milliseconds (RFC 7519 allows fractional NumericDate)


def issue_access_token(*, user_id: uuid.UUID, role: Role, secret: str, issuer: str, now: datetime,
                       ttl: timedelta) -> tuple[str, AccessClaims]:
    claims = AccessClaims(user_id=user_id, role=role, jti=uuid.uuid4().hex, expires_at=now + ttl,
                          issued_at=round(now.timestamp(), 3))
    token = jwt.encode(
        {"sub": str(user_id), "role": role.value, "jti": claims.jti, "typ": "access", "iss": issuer,
         "iat": claims.issued_at, "exp": int(claims.expires_at.timestamp())},
        secret, algorithm=ALGORITHM,
    )
    return token, claims


def decode_access_token(token: str, *, secret: str, issuer: str) -> AccessClaims:
    """Verify signature, expiry, issuer and type; only HS256 is accepted (never `none`)."""
    try:
        payload = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=issuer,
                             options={"require": ["exp", "iat", "sub", "jti", "iss"]})
    except jwt.ExpiredSignatureError as e:
        raise Unauthorized("The access token has expired.") from e
    except jwt.PyJWTError as e:
        raise Unauthorized("The access token is not valid.") from e
    if payload.get("typ") != "access":
        raise Unauthorized("The access token is not valid.")
    try:
        return AccessClaims(user_id=uuid.UUID(payload["sub"]), role=Role(payload["role"]), jti=payload["jti"],
                            expires_at=datetime.fromtimestamp(payload["exp"]).astimezone(),
                            issued_at=float(payload["iat"]))
    except (KeyError, ValueError, TypeError, OverflowError, OSError) as e:
        # OverflowError/OSError: an exp past what a datetime holds (e.g. 10^20), only in a forged token.
        raise Unauthorized("The access token is not valid.") from e


def new_secret() -> str:
    """A URL-safe random secret for refresh, verification and reset tokens."""
    return secrets.token_urlsafe(32)


def mailed_secret(key: str, event_id: uuid.UUID) -> str:
    """The secret of a mailed link, derived from the event that asks for the mail: the outbox and the
    event stream carry only the event id, and the mail sender derives the same secret again."""
    digest = hmac.new(key.encode(), f"mailed-token:{event_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_secret(secret: str) -> str:
    """Only hashes are stored, so a leaked table cannot be replayed."""
    return hashlib.sha256(secret.encode()).hexdigest()
