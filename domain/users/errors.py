"""Errors of the users context (and of the Admin's user management)."""

from __future__ import annotations

from domain.shared.errors import Conflict, NotFound, PayloadTooLarge


class ProfileNotFound(NotFound):
    code = "PROFILE_NOT_FOUND"


class AvatarTooLarge(PayloadTooLarge):
    """An uploaded avatar over the upload limit."""


class CannotDemoteSelf(Conflict):
    code = "CANNOT_DEMOTE_SELF"
