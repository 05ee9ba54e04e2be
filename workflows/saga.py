"""A compensation stack for workflows: register the undo *before* the step, run them LIFO on failure.

Pure workflow code (no I/O here): each compensation is an awaitable factory, typically an activity call.
Compensations are idempotent and safe when their step never ran, so registering first is always right:
a step may have half-happened before it failed. The workflow calls `compensate()` after catching the
failure or the cancellation (CancelledError is delivered once, so activities started afterwards run).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

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

