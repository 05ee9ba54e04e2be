"""A trivial workflow that proves the path API → Temporal → worker → activity works."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.system import PingResult, SystemActivities


@workflow.defn
class HealthWorkflow:
    @workflow.run
    async def run(self) -> PingResult:
        return await workflow.execute_activity_method(
            SystemActivities.ping, start_to_close_timeout=timedelta(seconds=5)
        )
