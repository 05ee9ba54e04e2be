"""Task queues, one per service (BRIEF §4), so each service's activities can be scaled on their own."""

from __future__ import annotations

from enum import StrEnum


class TaskQueue(StrEnum):
    SYSTEM = "cinema-system"
    NOTIFICATIONS = "cinema-notifications"
    SHOWTIMES = "cinema-showtimes"
    MOVIES = "cinema-movies"
    BOOKINGS = "cinema-bookings"
    PROMOTIONS = "cinema-promotions"
    PAYMENTS = "cinema-payments"
    FNB = "cinema-fnb"
    # The showtimes and movies queues were one `cinema-catalog` queue. Workflows started on it (lifecycle
    # timers, sweeps) and sagas that held seats before the `seats-on-showtimes-queue` patch still schedule
    # work there, so the workers keep serving it (workers/registry.py). Removable once no workflow runs on
    # it: `temporal workflow list --query 'TaskQueue="cinema-catalog" AND ExecutionStatus="Running"'` is
    # empty and no open booking saga started before the patch.
    LEGACY_CATALOG = "cinema-catalog"
