"""Saga helpers for workflows: a compensation stack (register the undo *before* the step, run LIFO on
failure), the activity options of interactive and durable steps, and passing refusals to callers.

Pure workflow code (no I/O here): each compensation is an awaitable factory, typically an activity call.
Compensations are idempotent and safe when their step never ran, so registering first is always right:
a step may have half-happened before it failed. The workflow calls `compensate()` after catching the
failure or the cancellation (CancelledError is delivered once, so activities started afterwards run).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.exceptions import TimeoutError as StepTimeout

Undo = Callable[[], Awaitable[object]]


@dataclass
class Saga:
    _undo: list[tuple[str, Undo]] = field(default_factory=list)

    def on_failure(self, name: str, undo: Undo) -> None:
        self._undo.append((name, undo))

    def forget(self, name: str) -> None:
        """Drop a compensation that no longer applies (its step's effect became permanent)."""
        self._undo = [(n, u) for n, u in self._undo if n != name]

    async def compensate(self, on_done: Callable[[str], None] | None = None) -> None:
        """Run every registered compensation, newest first; each is retried by Temporal until it succeeds."""
        while self._undo:
            name, undo = self._undo.pop()
            await undo()
            if on_done:
                on_done(name)


# A customer waits on these: a few quick tries, then an answer.
INTERACTIVE = dict(start_to_close_timeout=timedelta(seconds=10), schedule_to_close_timeout=timedelta(seconds=30),
                   retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_attempts=4))
# Steps after the money moved, and compensations: retried without limit until they succeed.
DURABLE = dict(start_to_close_timeout=timedelta(seconds=30),
               retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)))


# How a step's failure reaches the workflow: an activity's inside an ActivityError; a local activity's as its
# ApplicationError (or TimeoutError) itself.
StepFailed = (ActivityError, ApplicationError, StepTimeout)


def cause_of(error: BaseException) -> BaseException | None:
    """The step's own error under whatever carried it to the workflow."""
    return error.cause if isinstance(error, ActivityError) else error


def refusal(error: BaseException, fallback: str) -> ApplicationError:
    """Pass a step's business refusal (type, message, details) on to the caller of the update."""
    cause = cause_of(error)
    if isinstance(cause, ApplicationError) and cause.type:
        return ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True)
    return ApplicationError("The request could not be completed right now; try again.",
                            {"status": 503, "details": None}, type=fallback, non_retryable=True)
