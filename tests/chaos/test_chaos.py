"""The bounded chaos run (bench/chaos.py) in the suite: 20 sagas over HTTP on a stack of its own (own home,
own ports, never the session's servers), the worker SIGKILLed at random moments, PostgreSQL, Redis and the
file-backed Temporal dev server each restarted once; afterwards every invariant holds."""

from __future__ import annotations

import asyncio

from bench import chaos


def test_sagas_survive_worker_kills_and_server_restarts() -> None:
    stack = chaos.start(hold_seconds=15)
    try:
        checks = asyncio.run(chaos.run(stack, n=20, kills=5, hold_seconds=15, seed=20261202))
    finally:
        chaos.stop(stack)
    assert stack.restarts == ["postgres", "redis", "temporal"]
    assert not stack.aimed, stack.aimed  # a kill at the lock, checkout, after paying, during compensation
    assert len(stack.kills) == 5 + len(chaos.AIMED)
    failed = {c.name: c.count for c in checks if not c.passed}
    assert failed == {}, failed
