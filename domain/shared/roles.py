"""Roles and their order: each role may do what the roles below it may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "Customer"
    STAFF = "Staff"
    MANAGER = "Manager"
    ADMIN = "Admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_RANK = {Role.CUSTOMER: 0, Role.STAFF: 1, Role.MANAGER: 2, Role.ADMIN: 3}
