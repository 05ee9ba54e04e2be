"""The booking saga's events (saga.started / step.completed / step.failed / compensating / completed), written
by each step inside its own transaction, in the outbox of the service whose step it is. No extra activity:
Temporal is the bottleneck (BRIEF §7), and the step's transaction is where the fact becomes true."""

from __future__ import annotations

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts.events import SagaCompleted, SagaStarted, SagaStepEvent, Topic
from domain.shared.outbox import emit


async def saga_started(session: AsyncSession, *, saga_id: uuid.UUID, user_id: uuid.UUID,
                       showtime_id: uuid.UUID, service: str) -> None:
    await emit(session, Topic.SAGA_STARTED, SagaStarted(saga_id=saga_id, user_id=user_id, showtime_id=showtime_id),
               aggregate_id=saga_id, service=service)


async def saga_step(session: AsyncSession, topic: Topic, *, saga_id: uuid.UUID, step: str, service: str,
                    error: str | None = None) -> None:
    """saga.step.completed, saga.step.failed or saga.compensating (a compensation that ran)."""
    await emit(session, topic, SagaStepEvent(saga_id=saga_id, step=step, service=service, error=error),
               aggregate_id=saga_id, service=service)


async def saga_completed(session: AsyncSession, *, saga_id: uuid.UUID, outcome: str, service: str) -> None:
    await emit(session, Topic.SAGA_COMPLETED, SagaCompleted(saga_id=saga_id, outcome=outcome), aggregate_id=saga_id,
               service=service)
