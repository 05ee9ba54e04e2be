"""Histories recorded by earlier versions of the workflows replay on today's code (running sagas keep running).

tests/workflows/histories/ holds them: a booking saga holding seats, one that lost a seat and refunded, a
cancellation and its refund, all started before RefundWorkflow ids moved from `refund-{bookingId}` to
`refund-{refundId}` (the `refund-workflow-id-by-refund` patch), and a confirmed saga with a voucher that
took its hold from the API edge and ran the bookings steps as local activities (the `bookings-steps-local`
patch), a free booking (a 100%-off voucher) confirmed with no payment (the `free-booking` patch), and a
booking with an F&B pre-order refused once for stock, then reserved, paid and sold (the `fnb-preorders`
patch), and one whose FreeItem voucher added a combo at 0 VND in a second reserve_fnb (the
`voucher-free-item` patch), a booking part paid with loyalty points (the `points-tender` patch) and its
cancellation giving them back (`cancellation-restores-points`), and two holds with flash tickets (the
`flash-sales` patch): one paid (sell_flash_sale before confirm_booking), one given up (release_flash_sale);
a nightly loyalty review (LoyaltyReviewWorkflow, its first version), and a 50% cancellation taking back half
the earned points (`cancellation-revokes-refunded-share`), and a paid saga started with its Temporal UI summary
and details whose hold timer and payment step carry summaries and whose checkout set PaymentMethod (the
`payment-method-attribute` patch).
Add one whenever a workflow changes shape.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workers.registry import ALL_WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_recorded_history_replays_on_the_current_workflows(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=ALL_WORKFLOWS, data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
