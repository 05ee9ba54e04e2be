"""How we call a gateway, the same for every provider: the process's one HTTP client, a timeout per
attempt, retries with exponential backoff and jitter, the circuit breaker around every attempt, and every request
 and answer written to the message journal."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from domain.payments.errors import GatewayRefused, GatewayUnavailable
from domain.payments.models import Direction, GatewayMessage, PaymentMethod
from infra.gateways.breaker import CircuitBreaker
from infra.gateways.journal import Journal
from infra.gateways.settings import GatewayCallSettings

Verify = Callable[[dict[str, Any]], bool | None]  # None: the answer carries no documented signature


@dataclass(frozen=True)
class Exchange:
    """What a call is about, for the journal."""

    kind: str
    order_ref: str | None = None
    payment_id: uuid.UUID | None = None
    refund_id: uuid.UUID | None = None


class _Failed(Exception):
    """One attempt failed in a way that counts against the gateway's health."""

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent  # False: the request never left (safe to repeat even a non-idempotent call)


class GatewayTransport:
    def __init__(self, *, method: PaymentMethod, breaker: CircuitBreaker, journal: Journal,
                 call: GatewayCallSettings, http: httpx.AsyncClient,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.method, self.breaker, self._journal, self._call, self._sleep = method, breaker, journal, call, sleep
        self._http = http  # shared by every gateway of the process; its owner closes it

    async def post_json(self, url: str, body: dict[str, Any], *, exchange: Exchange, repeatable: bool,
                        verify: Verify = lambda answer: None) -> dict[str, Any]:
        """POST a JSON body and return the JSON answer.

        `repeatable`: sending the same body twice never does the thing twice (the gateway keys it by our
        request/refund id), so timeouts and 5xx are retried; otherwise only a request that never left
        (connection refused) is. Raises GatewayUnavailable when out of attempts or while the circuit is
        open (an answer that is not JSON or not properly signed counts as a failure), GatewayRefused on a 4xx.
        """
        attempts, last = 1 + max(self._call.retries, 0), None
        for attempt in range(attempts):
            await self.breaker.acquire()
            try:
                answer = await self._attempt(url, body, exchange, verify)
            except _Failed as e:
                await self.breaker.record_failure()
                last = e
                if attempt + 1 == attempts or (e.sent and not repeatable):
                    break
                await self._sleep(self._backoff(attempt))
            else:
                await self.breaker.record_success()
                return answer
        raise GatewayUnavailable(f"{self.method.value} did not answer properly: {last}",
                                 details={"method": self.method.value})

    def _backoff(self, attempt: int) -> float:
        return self._call.backoff.total_seconds() * 2**attempt * random.uniform(0.5, 1.5)

    async def _attempt(self, url: str, body: dict[str, Any], exchange: Exchange, verify: Verify) -> dict[str, Any]:
        sent = self._message(exchange, Direction.OUTBOUND, payload=body)
        try:
            response = await self._http.post(url, json=body, timeout=self._call.timeout.total_seconds())
        except httpx.ConnectError as e:
            await self._journal.record(sent, self._message(exchange, Direction.INBOUND, outcome=f"not sent: {e!r}"))
            raise _Failed(f"connection failed ({e!r})", sent=False) from e
        except httpx.HTTPError as e:
            await self._journal.record(sent, self._message(exchange, Direction.INBOUND, outcome=f"no answer: {e!r}"))
            raise _Failed(f"no answer ({e!r})", sent=True) from e
        answer, problem = _json(response)
        signature_valid = verify(answer) if answer is not None else None
        if response.status_code >= 500:
            problem = f"HTTP {response.status_code}"
        elif signature_valid is False:
            problem = "the answer's signature does not match"
        await self._journal.record(sent, self._message(
            exchange, Direction.INBOUND, payload=answer, raw=response.text, signature_valid=signature_valid,
            http_status=response.status_code, outcome=problem))
        if 400 <= response.status_code < 500:
            await self.breaker.record_success()  # it is up and answering; our request was wrong
            raise GatewayRefused(f"{self.method.value} refused the request (HTTP {response.status_code}).",
                                 {"method": self.method.value, "status": response.status_code})
        if problem is not None or answer is None:
            raise _Failed(problem or "empty answer", sent=True)
        return answer

    def _message(self, exchange: Exchange, direction: Direction, *, payload: dict[str, Any] | None = None,
                 raw: str | None = None, signature_valid: bool | None = None, http_status: int | None = None,
                 outcome: str | None = None) -> GatewayMessage:
        return GatewayMessage(method=self.method, direction=direction, kind=exchange.kind,
                              order_ref=exchange.order_ref, payment_id=exchange.payment_id,
                              refund_id=exchange.refund_id, payload=payload, raw=raw,
                              signature_valid=signature_valid, http_status=http_status,
                              outcome=outcome[:120] if outcome else None)

    async def record(self, exchange: Exchange, direction: Direction, *, payload: dict[str, Any] | None = None,
                     raw: str | None = None, signature_valid: bool | None = None, http_status: int | None = None,
                     outcome: str | None = None) -> None:
        """Journal a message that did not travel through post_json (a signed pay URL, an IPN)."""
        await self._journal.record(self._message(exchange, direction, payload=payload, raw=raw,
                                                 signature_valid=signature_valid, http_status=http_status,
                                                 outcome=outcome))


def _json(response: httpx.Response) -> tuple[dict[str, Any] | None, str | None]:
    try:
        answer = json.loads(response.text) if response.text else None
    except ValueError:
        return None, "the answer is not JSON"
    if answer is not None and not isinstance(answer, dict):
        return None, "the answer is not a JSON object"
    return answer, None
