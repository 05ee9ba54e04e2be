"""The simulators' state in Redis (orders, refunds, seen request ids) and the fault switches, so every API
process serves the same sandbox and tests can look inside."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Literal

from pydantic import Field
from redis.asyncio import Redis

from domain.shared.schemas import ApiModel

TTL = timedelta(days=2)
Operation = Literal["create", "query", "refund"]


class Faults(ApiModel):
    """Fault switches, set for every order or for one; an order's own switches replace the global ones."""

    delay_ms: int = Field(default=0, ge=0, le=120_000, description="Wait this long before answering an API call")
    drop_ipn: bool = Field(default=False, description="Never send the IPN/callback")
    duplicate_ipn: bool = Field(default=False, description="Send the IPN/callback twice, at the same time")
    late_ipn_ms: int = Field(default=0, ge=0, le=600_000,
                             description="Send the IPN this long after the browser was sent back")
    fail_with_5xx: list[Operation] = Field(default_factory=list, description="Answer these calls with HTTP 503")
    paid_amount: int | None = Field(default=None, gt=0,
                                    description="Report this amount as paid instead of the order's (VND)")


class SandboxStore:
    def __init__(self, redis: Redis, gateway: str) -> None:
        self.redis, self.gateway = redis, gateway

    def _key(self, kind: str, ref: str) -> str:
        return f"sandbox:{self.gateway}:{kind}:{ref}"

    async def get(self, kind: str, ref: str) -> dict[str, Any] | None:
        raw = await self.redis.get(self._key(kind, ref))
        return json.loads(raw) if raw else None

    async def put(self, kind: str, ref: str, doc: dict[str, Any]) -> None:
        await self.redis.set(self._key(kind, ref), json.dumps(doc), ex=TTL)

    async def claim(self, kind: str, ref: str) -> bool:
        """True the first time only (a request id seen, an order completed)."""
        return bool(await self.redis.set(self._key(kind, ref), "1", nx=True, ex=TTL))

    async def push(self, kind: str, ref: str, entry: dict[str, Any]) -> None:
        key = self._key(kind, ref)
        async with self.redis.pipeline(transaction=True) as pipe:
            await pipe.rpush(key, json.dumps(entry)).expire(key, TTL).execute()

    async def entries(self, kind: str, ref: str) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in await self.redis.lrange(self._key(kind, ref), 0, -1)]

    async def faults(self, order_ref: str | None) -> Faults:
        raw = await self.redis.get(order_faults_key(self.gateway, order_ref)) if order_ref else None
        raw = raw or await self.redis.get(GLOBAL_FAULTS)
        return Faults.model_validate_json(raw) if raw else Faults()


GLOBAL_FAULTS = "sandbox:faults:global"


def order_faults_key(gateway: str, order_ref: str) -> str:
    return f"sandbox:faults:{gateway}:{order_ref}"


async def set_faults(redis: Redis, key: str, faults: Faults) -> None:
    await redis.set(key, faults.model_dump_json(), ex=TTL)


async def clear_faults(redis: Redis) -> int:
    keys = [key async for key in redis.scan_iter("sandbox:faults:*")]
    return int(await redis.delete(*keys)) if keys else 0
