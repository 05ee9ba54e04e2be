"""Task queues, one per service (BRIEF §4), so each service's activities can be scaled on their own."""

from __future__ import annotations

from enum import StrEnum


class TaskQueue(StrEnum):
    SYSTEM = "cinema-system"
    NOTIFICATIONS = "cinema-notifications"
    CATALOG = "cinema-catalog"
    BOOKINGS = "cinema-bookings"
    PROMOTIONS = "cinema-promotions"
    PAYMENTS = "cinema-payments"
