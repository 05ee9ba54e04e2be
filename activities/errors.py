"""How activities report expected business failures to workflows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from temporalio.exceptions import ApplicationError

from domain.shared.errors import DomainError


@contextmanager
def as_application_error() -> Iterator[None]:
    """A DomainError becomes a non-retryable ApplicationError typed with its code (e.g. SEATS_UNAVAILABLE),
    carrying its HTTP status and details, so the workflow and the API can answer precisely. Anything else
    stays retryable: Temporal retries the activity."""
    try:
        yield
    except DomainError as e:
        raise ApplicationError(e.message, {"status": e.status_code, "details": e.details}, type=e.code,
                               non_retryable=True) from e
