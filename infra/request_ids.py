"""The request id follows a request into Temporal: the API's client puts it in a header of every workflow start,
update and signal it sends; a workflow passes the header of the call it is handling on to the activities and
child workflows that call starts; an activity logs under it (infra/logging.py `requestId`). So the log lines of
a checkout's activities carry the id of the checkout request, which the API echoed as X-Request-ID.

Headers are recorded in the history with each command, so replays see the same ids (nothing here decides)."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from temporalio import client, worker
from temporalio.api.common.v1 import Payload
from temporalio.converter import default

from infra.logging import request_id_var

HEADER = "cinema-request-id"
_in_workflow: ContextVar[Payload | None] = ContextVar("workflow_request_id", default=None)


def _with(headers: Mapping[str, Payload], payload: Payload | None) -> Mapping[str, Payload]:
    return {**headers, HEADER: payload} if payload is not None and HEADER not in headers else headers


def _from_request() -> Payload | None:
    request_id = request_id_var.get()
    return default().payload_converter.to_payloads([request_id])[0] if request_id != "-" else None


class _ClientOutbound(client.OutboundInterceptor):
    async def start_workflow(self, input: client.StartWorkflowInput) -> Any:
        input.headers = _with(input.headers, _from_request())
        return await super().start_workflow(input)

    async def signal_workflow(self, input: client.SignalWorkflowInput) -> None:
        input.headers = _with(input.headers, _from_request())
        await super().signal_workflow(input)

    async def start_workflow_update(self, input: client.StartWorkflowUpdateInput) -> Any:
        input.headers = _with(input.headers, _from_request())
        return await super().start_workflow_update(input)

    async def start_update_with_start_workflow(self, input: client.StartWorkflowUpdateWithStartInput) -> Any:
        payload = _from_request()
        input.start_workflow_input.headers = _with(input.start_workflow_input.headers, payload)
        input.update_workflow_input.headers = _with(input.update_workflow_input.headers, payload)
        return await super().start_update_with_start_workflow(input)


class _WorkflowInbound(worker.WorkflowInboundInterceptor):
    def init(self, outbound: worker.WorkflowOutboundInterceptor) -> None:
        super().init(_WorkflowOutbound(outbound))

    async def execute_workflow(self, input: worker.ExecuteWorkflowInput) -> Any:
        _in_workflow.set(input.headers.get(HEADER))
        return await super().execute_workflow(input)

    async def handle_signal(self, input: worker.HandleSignalInput) -> None:
        _in_workflow.set(input.headers.get(HEADER))
        await super().handle_signal(input)

    async def handle_update_handler(self, input: worker.HandleUpdateInput) -> Any:
        _in_workflow.set(input.headers.get(HEADER))
        return await super().handle_update_handler(input)


class _WorkflowOutbound(worker.WorkflowOutboundInterceptor):
    def start_activity(self, input: worker.StartActivityInput) -> Any:
        input.headers = _with(input.headers, _in_workflow.get())
        return super().start_activity(input)

    def start_local_activity(self, input: worker.StartLocalActivityInput) -> Any:
        input.headers = _with(input.headers, _in_workflow.get())
        return super().start_local_activity(input)

    async def start_child_workflow(self, input: worker.StartChildWorkflowInput) -> Any:
        input.headers = _with(input.headers, _in_workflow.get())
        return await super().start_child_workflow(input)


class _ActivityInbound(worker.ActivityInboundInterceptor):
    async def execute_activity(self, input: worker.ExecuteActivityInput) -> Any:
        payload = input.headers.get(HEADER)
        if payload is None:
            return await super().execute_activity(input)
        token = request_id_var.set(str(default().payload_converter.from_payloads([payload])[0]))
        try:
            return await super().execute_activity(input)
        finally:
            request_id_var.reset(token)


class RequestIdInterceptor(client.Interceptor, worker.Interceptor):
    """Given to the client (api, workers): its calls stamp the id, and workers made from it pass it on."""

    def intercept_client(self, next: client.OutboundInterceptor) -> client.OutboundInterceptor:
        return _ClientOutbound(next)

    def intercept_activity(self, next: worker.ActivityInboundInterceptor) -> worker.ActivityInboundInterceptor:
        return _ActivityInbound(next)

    def workflow_interceptor_class(self, input: worker.WorkflowInterceptorClassInput) -> type[_WorkflowInbound]:
        return _WorkflowInbound
