"""Waiting for what follows an event: side effects run after the commit (outbox → relay → consumer)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T]], until: Callable[[T], bool] = bool, *,
                     timeout: float = 15, every: float = 0.1) -> T:
    """Call `probe` until `until(result)` holds (exceptions count as not yet); the last result, or the last
    error raised, when time runs out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            result = await probe()
            if until(result) or loop.time() > deadline:
                return result
        except Exception:
            if loop.time() > deadline:
                raise
        await asyncio.sleep(every)
