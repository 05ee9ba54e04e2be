"""An activity runs under the request id of the call that started its workflow (infra/request_ids.py), on the
real Temporal server: its log lines then carry that `requestId`. A call made outside any request carries none."""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

from infra.logging import request_id_var


@activity.defn(name="request_id_seen_by_activity")
async def seen_by_activity() -> str:
    return request_id_var.get()


@workflow.defn(name="RequestIdProbe")
class RequestIdProbe:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(seen_by_activity, start_to_close_timeout=timedelta(seconds=10))


async def probe(temporal: Client, queue: str) -> str:
    return await temporal.execute_workflow(RequestIdProbe.run, id=f"probe-{uuid.uuid4()}", task_queue=queue)


async def test_an_activity_runs_under_the_request_id_that_started_its_workflow(temporal: Client) -> None:
    queue = f"test-request-ids-{uuid.uuid4()}"
    async with Worker(temporal, task_queue=queue, workflows=[RequestIdProbe], activities=[seen_by_activity]):
        token = request_id_var.set("req-probe-1")  # as RequestIdMiddleware sets it for a request
        try:
            inside_request = await probe(temporal, queue)
        finally:
            request_id_var.reset(token)
        outside_request = await probe(temporal, queue)
    assert (inside_request, outside_request) == ("req-probe-1", "-")
