"""The operators' saga search (GET /api/admin/sagas): a filter turned into a Temporal visibility query, and the
rows it answers with a link to each saga's page in the Temporal UI. Every value comes validated (enums, UUIDs,
durations), so nothing a caller sends reaches the query as text."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import quote

from pydantic import Field, field_validator

from domain.contracts.saga_states import SagaState
from domain.shared.errors import InvalidInput
from domain.shared.schemas import ApiModel


class SagaType(StrEnum):
    BOOKING = "booking"
    CANCELLATION = "cancellation"
    REFUND = "refund"


WORKFLOW_TYPES = {SagaType.BOOKING: "BookingWorkflow", SagaType.CANCELLATION: "CancellationWorkflow",
                  SagaType.REFUND: "RefundWorkflow"}


class SagaStatus(StrEnum):
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"
    TERMINATED = "Terminated"
    TIMED_OUT = "TimedOut"
    ALL = "All"


class SagaQuery(ApiModel):
    type: SagaType | None = Field(default=None, description="booking, cancellation or refund; none: all three")
    state: SagaState | None = Field(default=None, description="The SagaState search attribute")
    status: SagaStatus = Field(default=SagaStatus.RUNNING, description="Execution status; All for any")
    older_than: timedelta | None = Field(default=None, description="Started at least this long ago (ISO 8601 "
                                                                   "duration like PT30M, or seconds)")
    booking_id: uuid.UUID | None = None
    cinema_id: uuid.UUID | None = None
    page_size: int = Field(default=50, ge=1, le=200)
    page_token: str | None = Field(default=None, max_length=4096,
                                   description="nextPageToken of the previous page")

    @field_validator("older_than")
    @classmethod
    def _not_negative(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < timedelta(0):
            raise ValueError("olderThan must not be negative")
        return value


class BadPageToken(InvalidInput):
    code = "BAD_PAGE_TOKEN"


def visibility_query(query: SagaQuery, *, now: datetime) -> str:
    types = [WORKFLOW_TYPES[query.type]] if query.type else list(WORKFLOW_TYPES.values())
    parts = ["(" + " OR ".join(f'WorkflowType = "{name}"' for name in types) + ")"]
    if query.status is not SagaStatus.ALL:
        parts.append(f'ExecutionStatus = "{query.status.value}"')
    if query.state is not None:
        parts.append(f'SagaState = "{query.state.value}"')
    if query.booking_id is not None:
        parts.append(f'BookingId = "{query.booking_id}"')
    if query.cinema_id is not None:
        parts.append(f'CinemaId = "{query.cinema_id}"')
    if query.older_than is not None:
        parts.append(f'StartTime < "{(now - query.older_than).isoformat()}"')
    return " AND ".join(parts)


def page_token(query: SagaQuery) -> bytes | None:
    if query.page_token is None:
        return None
    try:
        return base64.urlsafe_b64decode(query.page_token.encode())
    except (binascii.Error, ValueError) as error:
        raise BadPageToken("pageToken is not one this API gave out.") from error


def next_token(raw: bytes | None) -> str | None:
    return base64.urlsafe_b64encode(raw).decode() if raw else None


def ui_link(ui_url: str, namespace: str, workflow_id: str, run_id: str | None) -> str:
    run = f"/{quote(run_id)}" if run_id else ""
    return f"{ui_url.rstrip('/')}/namespaces/{quote(namespace)}/workflows/{quote(workflow_id)}{run}/history"


class SagaRow(ApiModel):
    workflow_id: str
    run_id: str | None
    type: str
    status: str
    saga_state: str | None
    booking_id: str | None
    user_id: str | None
    cinema_id: str | None
    payment_method: str | None
    started_at: datetime | None
    closed_at: datetime | None
    history_length: int
    ui_url: str = Field(description="The saga's page in the Temporal UI")


class SagaPage(ApiModel):
    items: list[SagaRow]
    next_page_token: str | None = Field(description="Send it as pageToken for the next page; null: the last one")
    query: str = Field(description="The visibility query that was run (paste it into the Temporal UI)")
