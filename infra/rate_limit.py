"""Fixed-window rate limits in Redis, shared by every API process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from redis.asyncio import Redis

from domain.shared.errors import TooManyRequests


class RateLimited(TooManyRequests):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"retryAfterSeconds": retry_after})
        self.headers = {"Retry-After": str(retry_after)}


@dataclass(frozen=True)
class RateLimit:
    scope: str
    limit: int
    window: timedelta

    def _key(self, subject: str) -> str:
        return f"ratelimit:{self.scope}:{subject}"

    async def check(self, redis: Redis, subject: str) -> None:
        """Refuse with 429 while `subject` has used up its attempts in the current window."""
        count = int(await redis.get(self._key(subject)) or 0)
        if count >= self.limit:
            retry_after = max(int(await redis.ttl(self._key(subject))), 1)
            raise RateLimited(f"Too many attempts; try again in {retry_after} seconds.", retry_after)

    async def hit(self, redis: Redis, subject: str) -> None:
        """Count one attempt; the window starts at the first attempt."""
        key = self._key(subject)
        async with redis.pipeline(transaction=True) as pipe:
            # SET NX EX opens the window once (Redis 6.2 has no EXPIRE NX); INCR keeps its expiry.
            pipe.set(key, 0, ex=int(self.window.total_seconds()), nx=True)
            pipe.incr(key)
            await pipe.execute()

    async def take(self, redis: Redis, subject: str) -> None:
        """Count one attempt, then refuse with 429 if it is over the limit: counting first, in one round trip,
        so parallel attempts cannot all read a count below the limit before any of them is counted."""
        key = self._key(subject)
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=int(self.window.total_seconds()), nx=True)
            pipe.incr(key)
            pipe.ttl(key)
            _, count, ttl = await pipe.execute()
        if count > self.limit:
            retry_after = max(int(ttl), 1)
            raise RateLimited(f"Too many attempts; try again in {retry_after} seconds.", retry_after)

    async def reset(self, redis: Redis, subject: str) -> None:
        await redis.delete(self._key(subject))
