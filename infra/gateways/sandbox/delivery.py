"""How a simulator sends its IPN/callback to the merchant, with the fault switches applied: dropped,
sent twice at once, sent late, retried while the merchant's answer asks for it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from domain.shared.time import utcnow
from infra.gateways.sandbox.store import Faults, SandboxStore

SEND_TIMEOUT = 15.0
_background: set[asyncio.Task[None]] = set()  # strong references, so a pending send is not collected


@dataclass(frozen=True)
class Delivery:
    store: SandboxStore
    order_ref: str
    send: Callable[[], Awaitable[tuple[int, str]]]  # one attempt: the merchant's HTTP status and body
    accepted: Callable[[int, str], bool]  # the answer that ends the retries
    retries: int
    interval: float


async def post_json(http: httpx.AsyncClient, url: str, body: dict[str, Any]) -> tuple[int, str]:
    return await _send(http, "POST", url, json=body)


async def get(http: httpx.AsyncClient, url: str) -> tuple[int, str]:
    return await _send(http, "GET", url)


async def _send(http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> tuple[int, str]:
    """Through the process's shared client: a client per send would build an SSL context each time."""
    try:
        response = await http.request(method, url, timeout=SEND_TIMEOUT, **kwargs)
    except httpx.HTTPError as e:
        return 0, repr(e)
    return response.status_code, response.text


async def deliver(delivery: Delivery, faults: Faults) -> None:
    """Send now (the browser is redirected after the first answer), or later with late_ipn_ms."""
    if faults.drop_ipn:
        await delivery.store.push("ipn", delivery.order_ref, {"at": utcnow().isoformat(), "dropped": True})
    elif faults.late_ipn_ms:
        _spawn(_later(delivery, faults.late_ipn_ms / 1000, twice=faults.duplicate_ipn))
    elif not await _attempt(delivery, twice=faults.duplicate_ipn) and delivery.retries:
        _spawn(_retry(delivery, delivery.retries))


async def _attempt(delivery: Delivery, *, twice: bool) -> bool:
    answers = await asyncio.gather(*(delivery.send() for _ in range(2 if twice else 1)))
    for status, text in answers:
        await delivery.store.push("ipn", delivery.order_ref,
                                  {"at": utcnow().isoformat(), "status": status, "answer": text[:500]})
    return any(delivery.accepted(status, text) for status, text in answers)


async def _later(delivery: Delivery, seconds: float, *, twice: bool) -> None:
    await asyncio.sleep(seconds)
    if not await _attempt(delivery, twice=twice) and delivery.retries:
        await _retry(delivery, delivery.retries)


async def _retry(delivery: Delivery, left: int) -> None:
    for _ in range(left):
        await asyncio.sleep(delivery.interval)
        if await _attempt(delivery, twice=False):
            return


def _spawn(work: Awaitable[None]) -> None:
    task = asyncio.ensure_future(work)
    _background.add(task)
    task.add_done_callback(_background.discard)
