"""Domain errors carry their HTTP status and a stable code; one API handler renders them all."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "BAD_REQUEST"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    status_code = 404
    code = "NOT_FOUND"


class Conflict(DomainError):
    status_code = 409
    code = "CONFLICT"


class Unauthorized(DomainError):
    status_code = 401
    code = "UNAUTHORIZED"


class Forbidden(DomainError):
    status_code = 403
    code = "FORBIDDEN"


class InvalidInput(DomainError):
    status_code = 422
    code = "VALIDATION_ERROR"


class TooManyRequests(DomainError):
    status_code = 429
    code = "RATE_LIMITED"


class PayloadTooLarge(DomainError):
    """An upload over its size limit; each context names its own (AvatarTooLarge, PosterTooLarge)."""

    status_code = 413
    code = "PAYLOAD_TOO_LARGE"


class UnsupportedImage(DomainError):
    status_code = 415
    code = "UNSUPPORTED_MEDIA_TYPE"
