"""Operator routes (Manager+): find sagas through Temporal visibility — stuck holds, compensations, escalated
refunds, long runners — with a link to each one's page in the Temporal UI, and retry a compensation where that
is safe (an escalated refund: the gateway is asked again; every other compensation retries by itself)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from temporalio.client import WorkflowExecution, WorkflowExecutionStatus

from api.deps import SettingsDep, TemporalDep, require_role
from api.routes.bookings import signal_retry
from api.saga_search import SagaPage, SagaQuery, SagaRow, next_token, page_token, ui_link, visibility_query
from api.sagas import saga_errors
from domain.contracts.saga_states import SagaState
from domain.shared.errors import Conflict, NotFound
from domain.shared.roles import Role
from domain.shared.schemas import ApiModel
from domain.shared.time import utcnow
from workflows.search_attributes import BOOKING_ID, CINEMA_ID, PAYMENT_METHOD, SAGA_STATE, USER_ID

router = APIRouter(prefix="/admin/sagas", tags=["operations"], dependencies=[require_role(Role.MANAGER)])

WorkflowId = Annotated[str, Path(alias="workflowId", pattern=r"^(booking|cancellation|refund)-[0-9a-fA-F-]{36}$",
                                 description="booking-…, cancellation-… or refund-…")]
ASK_WITHIN = timedelta(seconds=10)


class NothingToRetry(Conflict):
    code = "NOTHING_TO_RETRY"


class CompensationRetried(ApiModel):
    workflow_id: str
    retried: str


@router.get("", response_model=SagaPage,
            summary="Sagas by type, state, status, age, booking or cinema (Temporal visibility), newest first")
async def list_sagas(query: Annotated[SagaQuery, Query()], temporal: TemporalDep,
                     settings: SettingsDep) -> SagaPage:
    text = visibility_query(query, now=utcnow())
    async with saga_errors():
        found = temporal.list_workflows(text, page_size=query.page_size, next_page_token=page_token(query),
                                        rpc_timeout=ASK_WITHIN)
        await found.fetch_next_page()
    ui = settings.resolved_temporal_ui_url
    return SagaPage(items=[_row(w, ui, settings.temporal_namespace) for w in found.current_page],
                    next_page_token=next_token(found.next_page_token), query=text)


def _row(w: WorkflowExecution, ui: str, namespace: str) -> SagaRow:
    attributes = w.typed_search_attributes
    return SagaRow(workflow_id=w.id, run_id=w.run_id, type=w.workflow_type,
                   status=w.status.name if w.status else "UNKNOWN", saga_state=attributes.get(SAGA_STATE),
                   booking_id=attributes.get(BOOKING_ID), user_id=attributes.get(USER_ID),
                   cinema_id=attributes.get(CINEMA_ID), payment_method=attributes.get(PAYMENT_METHOD),
                   started_at=w.start_time, closed_at=w.close_time, history_length=w.history_length,
                   ui_url=ui_link(ui, namespace, w.id, w.run_id))


@router.post("/{workflowId}/retry-compensation", status_code=status.HTTP_202_ACCEPTED,
             response_model=CompensationRetried,
             summary="Retry a saga's compensation where that is safe: an escalated refund asks its gateway again",
             responses={404: {"description": "No such saga"},
                        409: {"description": "Nothing to retry (NOTHING_TO_RETRY): it is not waiting for a person"}})
async def retry_compensation(workflow_id: WorkflowId, temporal: TemporalDep) -> CompensationRetried:
    """Compensation steps (seats, voucher, points, F&B, payment cancel) retry on their own until they succeed, so a
    saga shown COMPENSATING is retrying already; the one compensation that waits for a person is a refund the
    gateway refused or left pending (REFUND_ESCALATED)."""
    try:
        async with saga_errors():
            described = await temporal.get_workflow_handle(workflow_id).describe(rpc_timeout=ASK_WITHIN)
    except NotFound as unknown:
        raise NotFound(f"No saga {workflow_id}.") from unknown
    state = described.typed_search_attributes.get(SAGA_STATE)
    running = described.status is WorkflowExecutionStatus.RUNNING
    if running and described.workflow_type == "RefundWorkflow" and state == SagaState.REFUND_ESCALATED:
        async with saga_errors():
            if await signal_retry(temporal, workflow_id):
                return CompensationRetried(workflow_id=workflow_id, retried="refund asked of its gateway again")
    why = ("its compensation steps retry by themselves; read its history for the error they meet"
           if running and state == SagaState.COMPENSATING else
           f"it is {described.status.name if described.status else 'unknown'} in state {state or 'none'}")
    raise NothingToRetry(f"Nothing to retry for {workflow_id}: {why}.",
                         {"workflowId": workflow_id, "sagaState": state})
