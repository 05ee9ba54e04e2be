"""One registry says which workflows and activities run on which task queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from temporalio.client import Client
from temporalio.worker import Worker

from activities.notifications import NotificationActivities
from activities.system import SystemActivities
from infra.db import SessionMaker
from infra.mail import Mailer
from workflows.health import HealthWorkflow
from workflows.mail import SendMailWorkflow
from workflows.queues import TaskQueue


@dataclass(frozen=True)
class WorkerDeps:
    """Clients the activities need, built once per worker process."""

    sessionmaker: SessionMaker
    redis: Redis
    mailer: Mailer


@dataclass(frozen=True)
class QueueSpec:
    workflows: list[type]
    activities: Callable[[WorkerDeps], list[Callable[..., Any]]]


def _system_activities(deps: WorkerDeps) -> list[Callable[..., Any]]:
    system = SystemActivities()
    return [system.ping]


def _notification_activities(deps: WorkerDeps) -> list[Callable[..., Any]]:
    notifications = NotificationActivities(deps.mailer)
    return [notifications.send_email]


QUEUES: dict[TaskQueue, QueueSpec] = {
    TaskQueue.SYSTEM: QueueSpec(workflows=[HealthWorkflow], activities=_system_activities),
    TaskQueue.NOTIFICATIONS: QueueSpec(workflows=[SendMailWorkflow], activities=_notification_activities),
}

ALL_WORKFLOWS = [wf for spec in QUEUES.values() for wf in spec.workflows]


def build_worker(client: Client, queue: TaskQueue, deps: WorkerDeps) -> Worker:
    spec = QUEUES[queue]
    return Worker(client, task_queue=queue, workflows=spec.workflows, activities=spec.activities(deps))
