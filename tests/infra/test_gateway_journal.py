"""The gateway journal keeps at most BODY_CAP characters of a body, and says how long the original was."""

from __future__ import annotations

import uuid

from sqlmodel import col, select

from domain.payments.models import Direction, GatewayMessage, PaymentMethod
from infra.db import SessionMaker
from infra.gateways.journal import BODY_CAP, MessageJournal, cap_payload, cap_text


class TestCaps:
    def test_short_bodies_are_kept_as_they_are(self) -> None:
        assert cap_text("vnp_Amount=1") == "vnp_Amount=1"
        assert cap_text(None) is None
        assert cap_payload({"a": 1}) == {"a": 1}

    def test_a_long_raw_body_is_cut_with_its_length(self) -> None:
        text = "x" * (BODY_CAP * 4)
        stored = cap_text(text)
        assert stored is not None and stored.startswith("x" * BODY_CAP)
        assert len(stored) < BODY_CAP + 100
        assert f"{BODY_CAP * 4} characters" in stored

    def test_a_long_payload_becomes_a_marker(self) -> None:
        stored = cap_payload({"field": "y" * (BODY_CAP * 2)})
        assert stored is not None and stored["truncated"] is True
        assert stored["originalLength"] > BODY_CAP * 2 and len(stored["head"]) == BODY_CAP


async def test_the_journal_stores_a_5_mb_message_capped(sessionmaker: SessionMaker) -> None:
    ref = f"cap-{uuid.uuid4().hex[:12]}"
    huge = "a=" + "z" * 5_000_000
    await MessageJournal(sessionmaker).record(GatewayMessage(
        method=PaymentMethod.VNPAY, direction=Direction.INBOUND, kind="ipn", order_ref=ref, raw=huge,
        payload={"a": huge[2:]}))
    async with sessionmaker() as session:
        row = (await session.exec(select(GatewayMessage).where(col(GatewayMessage.order_ref) == ref))).one()
    assert row.raw is not None and len(row.raw) < BODY_CAP + 100 and "5000002 characters" in row.raw
    assert row.payload is not None and row.payload["truncated"] is True
    assert row.payload["originalLength"] > 5_000_000
