"""The gateway-message journal: every message to and from a gateway, each write in its own transaction,
so messages are kept even when the business transaction that handled them rolls back."""

from __future__ import annotations

import uuid
from typing import Protocol

from domain.payments.gateway import Notice
from domain.payments.models import Direction, GatewayMessage, PaymentMethod
from infra.db import SessionMaker, unit_of_work


class Journal(Protocol):
    async def record(self, *messages: GatewayMessage) -> None: ...


class MessageJournal:
    def __init__(self, sessionmaker: SessionMaker) -> None:
        self._sessionmaker = sessionmaker

    async def record(self, *messages: GatewayMessage) -> None:
        async with unit_of_work(self._sessionmaker) as session:
            session.add_all(messages)


def notice_message(method: PaymentMethod, notice: Notice, *, payment_id: uuid.UUID | None,
                   outcome: str | None) -> GatewayMessage:
    """The journal entry of an inbound IPN, callback or return redirect."""
    return GatewayMessage(method=method, direction=Direction.INBOUND, kind=notice.kind, order_ref=notice.order_ref,
                          payment_id=payment_id, payload=notice.payload, raw=notice.raw or None,
                          signature_valid=notice.signature_valid, outcome=outcome[:120] if outcome else None)
