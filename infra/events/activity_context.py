"""Gives every activity an event context: events it emits carry its workflow as correlation id, and their ids
derive from the activity, so a retried attempt writes the same event ids (the outbox skips repeats)."""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from domain.shared.outbox import events_caused_by


class _EventContextInbound(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        step = f"{info.workflow_id}/{info.workflow_run_id}/{info.activity_id}"
        with events_caused_by(correlation_id=info.workflow_id, causation_id=f"{info.workflow_id}:{info.activity_type}",
                              idempotency_key=step):
            return await super().execute_activity(input)


class EventContextInterceptor(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _EventContextInbound(next)
