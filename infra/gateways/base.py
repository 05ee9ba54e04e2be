"""What every adapter shares: availability from the circuit breaker, and turning the pure protocol
modules' ValueErrors into a 422."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from domain.payments.errors import InvalidPaymentInput
from domain.payments.gateway import Availability, Notice
from infra.gateways.breaker import CircuitState
from infra.gateways.transport import GatewayTransport

T = TypeVar("T")


class BaseGateway:
    def __init__(self, transport: GatewayTransport) -> None:
        self.transport = transport

    async def availability(self) -> Availability:
        state, retry_after = await self.transport.breaker.state()
        if state is CircuitState.OPEN:
            return Availability(False, retry_after, "The gateway is failing; new payments are paused.")
        return Availability(True)


@contextmanager
def gateway_rules() -> Iterator[None]:
    """A request the gateway's own rules refuse (amount range, id format) is the caller's 422."""
    try:
        yield
    except ValueError as e:
        raise InvalidPaymentInput(str(e)) from e


def unreadable(kind: str, payload: dict[str, object], raw: str, *, claimed_order_ref: str | None = None) -> Notice:
    """A message that does not verify; the order it claims is kept for the journal, never acted on."""
    return Notice(kind=kind, signature_valid=False, order_ref=claimed_order_ref, result=None, payload=payload,
                  raw=raw)


def safely(read: Callable[[], T], default: T) -> T:
    """Read a field of a message whose signature matched but whose content is malformed."""
    try:
        return read()
    except (KeyError, TypeError, ValueError):
        return default


def error_reply(code: str, message: str) -> dict[str, object]:
    """The API's one error shape, for webhook refusals that are plain HTTP errors."""
    return {"error": {"code": code, "message": message, "details": None}}
