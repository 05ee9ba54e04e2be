"""System activities: a ping that says which worker answered."""

from __future__ import annotations

import os
import socket

from pydantic import BaseModel
from temporalio import activity


class PingResult(BaseModel):
    worker: str
    task_queue: str


class SystemActivities:
    @activity.defn
    async def ping(self) -> PingResult:
        """Answer from this worker process."""
        return PingResult(worker=f"{socket.gethostname()}:{os.getpid()}", task_queue=activity.info().task_queue)
