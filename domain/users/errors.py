"""Errors of the users context (and of the Admin's user management)."""

from __future__ import annotations

from domain.shared.errors import Conflict, DomainError, NotFound


class ProfileNotFound(NotFound):
    code = "PROFILE_NOT_FOUND"


class AvatarTooLarge(DomainError):
    status_code = 413
    code = "PAYLOAD_TOO_LARGE"


class UnsupportedImage(DomainError):
    status_code = 415
    code = "UNSUPPORTED_MEDIA_TYPE"


class CannotDemoteSelf(Conflict):
    code = "CANNOT_DEMOTE_SELF"
