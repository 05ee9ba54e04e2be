"""Workflow ids: each comes from the row it is about, so a second start (a retry, a redelivered event)
finds the running workflow instead of starting another."""

from __future__ import annotations

import uuid


def booking_workflow_id(booking_id: uuid.UUID) -> str:
    return f"booking-{booking_id}"


def cancellation_workflow_id(booking_id: uuid.UUID) -> str:
    return f"cancellation-{booking_id}"


def refund_workflow_id(refund_id: uuid.UUID) -> str:
    """One RefundWorkflow per refund, whoever asked for it (the saga, a cancellation, payments, a Manager)."""
    return f"refund-{refund_id}"


def showtime_refunds_workflow_id(showtime_id: uuid.UUID) -> str:
    return f"showtime-refunds-{showtime_id}"


def showtime_lifecycle_workflow_id(showtime_id: uuid.UUID) -> str:
    return f"showtime-lifecycle-{showtime_id}"


def movie_lifecycle_workflow_id(movie_id: uuid.UUID) -> str:
    return f"movie-lifecycle-{movie_id}"


def mail_workflow_id(key: str) -> str:
    """A mail sent because of an event is keyed by that event's id."""
    return f"mail-{key}"
