"""A circuit breaker per gateway whose state lives in Redis, so every API and worker process agrees.

Closed: calls go through; `failures` failed calls within `window` open it. Open: calls are refused at
once for `cooldown` (the `open` key's TTL says how long is left). Half-open (the cooldown ran out but
the circuit has not proven itself): one trial call at a time goes through; success closes the circuit,
failure opens it again. Keys: payments:breaker:<name>:{failures,open,tripped,trial}.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from redis.asyncio import Redis

from domain.payments.errors import GatewayUnavailable


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitOpen(GatewayUnavailable):
    """Refused without calling: the gateway's circuit is open."""


@dataclass(frozen=True)
class CircuitBreaker:
    redis: Redis
    name: str
    failures: int
    window: timedelta
    cooldown: timedelta
    trial_timeout: timedelta  # a trial call that never reports back frees its slot after this

    def _key(self, part: str) -> str:
        return f"payments:breaker:{self.name}:{part}"

    async def state(self) -> tuple[CircuitState, int | None]:
        """The state, and for an open circuit the seconds until a trial call is let through."""
        async with self.redis.pipeline(transaction=False) as pipe:
            open_ms, tripped = await pipe.pttl(self._key("open")).exists(self._key("tripped")).execute()
        if open_ms > 0 or open_ms == -1:
            return CircuitState.OPEN, max(math.ceil(open_ms / 1000), 1) if open_ms > 0 else None
        return (CircuitState.HALF_OPEN if tripped else CircuitState.CLOSED), None

    async def acquire(self) -> None:
        """Let a call through, or raise CircuitOpen; in half-open, only the one trial call passes."""
        state, retry_after = await self.state()
        if state is CircuitState.OPEN:
            raise CircuitOpen(f"{self.name} is failing; calls are paused for {retry_after or '?'} s.",
                              retry_after=retry_after, details={"circuit": state.value})
        if state is CircuitState.HALF_OPEN and not await self.redis.set(
                self._key("trial"), "1", nx=True, px=_ms(self.trial_timeout)):
            raise CircuitOpen(f"{self.name} is being tried again; retry in a moment.", retry_after=1,
                              details={"circuit": state.value})

    async def record_success(self) -> None:
        """A call worked: the circuit closes and the failure count starts again."""
        await self.redis.delete(self._key("failures"), self._key("tripped"), self._key("trial"))

    async def record_failure(self) -> None:
        """A call failed (timeout, connection, 5xx, garbled answer): count it, and open the circuit when
        the count reaches the threshold, or at once when it was the half-open trial."""
        state, _ = await self.state()
        if state is CircuitState.HALF_OPEN:
            await self.trip()
            return
        key = self._key("failures")
        async with self.redis.pipeline(transaction=True) as pipe:
            # SET NX PX opens the window once (Redis 6.2 has no EXPIRE NX); INCR keeps its expiry.
            pipe.set(key, 0, nx=True, px=_ms(self.window))
            pipe.incr(key)
            _, count = await pipe.execute()
        if count >= self.failures:
            await self.trip()

    async def trip(self) -> None:
        """Open the circuit for the cooldown."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key("open"), "1", px=_ms(self.cooldown))
            pipe.set(self._key("tripped"), "1")
            pipe.delete(self._key("failures"), self._key("trial"))
            await pipe.execute()

    async def reset(self) -> None:
        """Forget everything (tests and operators)."""
        await self.redis.delete(*(self._key(p) for p in ("failures", "open", "tripped", "trial")))


def _ms(duration: timedelta) -> int:
    return max(int(duration.total_seconds() * 1000), 1)
