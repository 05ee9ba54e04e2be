"""The gateway-message journal: every message to and from a gateway, each write in its own transaction,
so messages are kept even when the business transaction that handled them rolls back. Bodies are stored
capped (BODY_CAP characters each), so a huge body sent to a webhook cannot fill the table."""

from __future__ import annotations

import json
import uuid
from typing import Any, Protocol

from domain.payments.gateway import Notice
from domain.payments.models import Direction, GatewayMessage, PaymentMethod
from infra.db import SessionMaker, unit_of_work

BODY_CAP = 8 * 1024  # characters kept of a raw body, and of a payload's JSON text


class Journal(Protocol):
    async def record(self, *messages: GatewayMessage) -> None: ...


class MessageJournal:
    def __init__(self, sessionmaker: SessionMaker) -> None:
        self._sessionmaker = sessionmaker

    async def record(self, *messages: GatewayMessage) -> None:
        async with unit_of_work(self._sessionmaker) as session:
            session.add_all([capped(m) for m in messages])


def cap_text(text: str | None, cap: int = BODY_CAP) -> str | None:
    """The text itself, or its first `cap` characters followed by a marker naming the original length."""
    if text is None or len(text) <= cap:
        return text
    return f"{text[:cap]}…[truncated: {len(text)} characters in all]"


def cap_payload(payload: dict[str, Any] | None, cap: int = BODY_CAP) -> dict[str, Any] | None:
    """The payload itself, or, when its JSON is longer than `cap`, a marker with the JSON's start."""
    if payload is None:
        return None
    text = json.dumps(payload, ensure_ascii=False, default=str)
    if len(text) <= cap:
        return payload
    return {"truncated": True, "originalLength": len(text), "head": text[:cap]}


def capped(message: GatewayMessage) -> GatewayMessage:
    """The message with its raw body and payload capped (in place: it is about to be written)."""
    message.raw, message.payload = cap_text(message.raw), cap_payload(message.payload)
    return message


def notice_message(method: PaymentMethod, notice: Notice, *, payment_id: uuid.UUID | None,
                   outcome: str | None) -> GatewayMessage:
    """The journal entry of an inbound IPN, callback or return redirect."""
    return GatewayMessage(method=method, direction=Direction.INBOUND, kind=notice.kind, order_ref=notice.order_ref,
                          payment_id=payment_id, payload=notice.payload, raw=notice.raw or None,
                          signature_valid=notice.signature_valid, outcome=outcome[:120] if outcome else None)
