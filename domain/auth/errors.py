"""Errors of the auth context."""

from __future__ import annotations

from domain.shared.errors import Conflict, DomainError, Unauthorized


class EmailTaken(Conflict):
    code = "EMAIL_TAKEN"


class InvalidCredentials(Unauthorized):
    code = "INVALID_CREDENTIALS"


class InvalidRefreshToken(Unauthorized):
    code = "INVALID_REFRESH_TOKEN"


class RefreshTokenReused(Unauthorized):
    code = "REFRESH_TOKEN_REUSED"


class InvalidToken(DomainError):
    status_code = 400
    code = "INVALID_TOKEN"


class AccountDisabled(Unauthorized):
    code = "ACCOUNT_DISABLED"


class TokenOutdated(Unauthorized):
    code = "TOKEN_OUTDATED"
