"""SendMailWorkflow: a mail that is retried until delivered, visible in the Temporal UI."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.notifications import NotificationActivities
    from domain.notifications.schemas import OutgoingMail


@workflow.defn
class SendMailWorkflow:
    @workflow.run
    async def run(self, mail: OutgoingMail) -> None:
        await workflow.execute_activity_method(
            NotificationActivities.send_email, mail,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)),
            schedule_to_close_timeout=timedelta(days=1),
        )
