"""The booking saga's states and step log, as the seed's SagaInstance describes them. Pure data.

Temporal history is the saga log; this is the readable summary a `steps` query returns and the
`SagaState` search attribute shows in the Temporal UI.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from domain.contracts.saga_states import SagaState


class StepStatus(StrEnum):
    PENDING = "PENDING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    COMPENSATED = "COMPENSATED"


class SagaStep(BaseModel):
    name: str
    service: str
    status: StepStatus
    error: str | None = None
    timestamp: datetime


class SagaView(BaseModel):
    """What the `status` query answers: the state, why it ended (if it did), and every step."""

    booking_id: str
    state: SagaState
    outcome: str | None = None
    steps: list[SagaStep]
