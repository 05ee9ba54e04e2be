"""The booking saga end to end on real Temporal + PostgreSQL + SMTP, with a test payments service.

The payments port (domain/bookings/payment_port.py) is served here by test activities on a private task
queue, so each test decides what the gateway does; every other step is the production activity.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import update
from sqlmodel import col
from temporalio import activity
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer, Worker

from domain.bookings import payment_port as pay
from domain.bookings.models import Booking, BookingStatus
from domain.bookings.schemas import CheckoutRequest, Requester
from domain.contracts.saga_states import SagaState
from domain.promotions.models import Voucher
from domain.promotions.schemas import VoucherCreate
from domain.shared.time import utcnow
from domain.showtimes.models import SeatStatus, ShowtimeSeat
from domain.users import service as users_service
from infra.db import SessionMaker, unit_of_work
from tests.bookings_support import make_showtime, refund_of, seat_ids, seats, start_booking
from tests.conftest import Mailbox
from workers.registry import ALL_WORKFLOWS
from workflows.booking import BookingWorkflow

pytestmark = pytest.mark.usefixtures("worker")


@dataclass
class GatewayDouble:
    """A payments service under the test's control, keeping the money ledger."""

    query_answer: pay.SettlementStatus = pay.SettlementStatus.PENDING
    paid: dict[uuid.UUID, int] = field(default_factory=dict)  # booking -> amount taken
    refunded: dict[uuid.UUID, int] = field(default_factory=dict)
    cancelled: set[uuid.UUID] = field(default_factory=set)
    amounts: dict[uuid.UUID, int] = field(default_factory=dict)

    @activity.defn(name=pay.START_PAYMENT)
    async def start_payment(self, input: pay.StartPaymentInput) -> pay.PaymentStarted:
        self.amounts[input.booking_id] = input.amount
        return pay.PaymentStarted(payment_id=uuid.uuid5(uuid.NAMESPACE_URL, str(input.booking_id)),
                                  payment_url=f"https://pay.example/{input.booking_id}",
                                  status=pay.SettlementStatus.PENDING)

    @activity.defn(name=pay.CANCEL_PAYMENT)
    async def cancel_payment(self, booking_id: uuid.UUID) -> None:
        self.cancelled.add(booking_id)

    @activity.defn(name=pay.SETTLE_PAYMENT)
    async def settle_payment(self, booking_id: uuid.UUID) -> pay.PaymentSettlement:
        if self.query_answer is pay.SettlementStatus.SUCCESS:
            self.paid[booking_id] = self.amounts[booking_id]
        return pay.PaymentSettlement(booking_id=booking_id, payment_id=None, status=self.query_answer,
                                     amount=self.amounts.get(booking_id, 0))

    refund_answers: list[pay.SettlementStatus] = field(default_factory=list)  # then Success
    refund_ids: set[uuid.UUID] = field(default_factory=set)

    @activity.defn(name=pay.REFUND_PAYMENT)
    async def refund_payment(self, input: pay.RefundPaymentInput) -> pay.RefundResult:
        status = self.refund_answers.pop(0) if self.refund_answers else pay.SettlementStatus.SUCCESS
        if status is pay.SettlementStatus.SUCCESS and input.refund_id not in self.refund_ids:
            self.refund_ids.add(input.refund_id)  # idempotent on the refund id, like a real gateway
            self.refunded[input.booking_id] = self.refunded.get(input.booking_id, 0) + input.amount
        return pay.RefundResult(refund_id=input.refund_id, status=status)

    @activity.defn(name=pay.REFUND_STATUS)
    async def refund_status(self, input: pay.RefundPaymentInput) -> pay.RefundResult:
        return await self.refund_payment(input)

    @property
    def activities(self) -> list[Any]:
        return [self.start_payment, self.cancel_payment, self.settle_payment, self.refund_payment,
                self.refund_status]

    def ipn(self, booking_id: uuid.UUID, ok: bool = True) -> pay.PaymentSettlement:
        """What the webhook would signal; a success means the money was taken."""
        if ok:
            self.paid[booking_id] = self.amounts[booking_id]
        return pay.PaymentSettlement(booking_id=booking_id, payment_id=None, amount=self.amounts[booking_id],
                                     status=pay.SettlementStatus.SUCCESS if ok else pay.SettlementStatus.FAILED)


@pytest.fixture
async def gateway(temporal: Client) -> AsyncIterator[tuple[GatewayDouble, str]]:
    fake, queue = GatewayDouble(), f"test-payments-{uuid.uuid4()}"
    async with Worker(temporal, task_queue=queue, activities=fake.activities):
        yield fake, queue


@dataclass
class Saga:
    handle: WorkflowHandle[Any, Any]
    booking_id: uuid.UUID
    user_id: uuid.UUID
    showtime: Any

    @property
    def owner(self) -> Requester:
        return Requester(user_id=self.user_id)


async def start(temporal: Client, sessionmaker: SessionMaker, redis: Redis, queue: str, make_user: Any, *,
                hold_seconds: int = 60, labels: tuple[str, ...] = ("B5", "B6")) -> Saga:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    ids = [uuid.UUID(i) for i in await seat_ids(sessionmaker, showtime.id, *labels)]
    view, handle = await start_booking(temporal, sessionmaker, redis, user_id=customer.id, showtime_id=showtime.id,
                                       seat_ids=ids, hold_seconds=hold_seconds, payment_queue=queue)
    return Saga(handle, view.booking_id, customer.id, showtime)


async def booking_row(sessionmaker: SessionMaker, booking_id: uuid.UUID) -> Booking:
    async with sessionmaker() as session:
        row = await session.get(Booking, booking_id)
        assert row is not None
        return row


async def statuses(sessionmaker: SessionMaker, saga: Saga) -> dict[str, SeatStatus]:
    return {label: s.status for label, s in (await seats(sessionmaker, saga.showtime.id)).items()
            if label in ("B5", "B6")}


async def voucher(sessionmaker: SessionMaker, **kw: Any) -> Voucher:
    from domain.promotions import service as promotions_service

    now = utcnow()
    body = {"code": f"S{uuid.uuid4().hex[:8]}", "type": "FixedAmount", "value": 20_000,
            "startsAt": (now - timedelta(hours=1)).isoformat(), "endsAt": (now + timedelta(days=1)).isoformat(), **kw}
    async with unit_of_work(sessionmaker) as session:
        return await promotions_service.create_voucher(session, data=VoucherCreate.model_validate(body))


async def used_count(sessionmaker: SessionMaker, voucher_id: uuid.UUID) -> int:
    async with sessionmaker() as session:
        row = await session.get(Voucher, voucher_id)
        assert row is not None
        return row.used_count


def assert_money_consistent(fake: GatewayDouble, confirmed: dict[uuid.UUID, int]) -> None:
    """Money invariant: what was taken minus what was refunded equals what confirmed bookings cost."""
    assert sum(fake.paid.values()) - sum(fake.refunded.values()) == sum(confirmed.values())


class TestPaidBooking:
    async def test_ipn_confirms_sells_seats_uses_voucher_and_mails_the_ticket(
            self, temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
            make_user: Any, mailbox: Mailbox) -> None:
        fake, queue = gateway
        saga = await start(temporal, sessionmaker, redis, queue, make_user)
        code = await voucher(sessionmaker, usageLimit=3)
        view = await saga.handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
            requester=saga.owner, voucher_code=code.code.lower(), payment_method="VNPay"))
        assert view.discount == 20_000 and view.final_amount == view.total_amount - 20_000
        assert view.payment_url and (await booking_row(sessionmaker, saga.booking_id)).status is BookingStatus.PENDING

        await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id))
        outcome = await asyncio.wait_for(saga.handle.result(), 30)
        assert (outcome.state, outcome.outcome) == (SagaState.COMPLETED, "CONFIRMED")
        row = await booking_row(sessionmaker, saga.booking_id)
        assert row.status is BookingStatus.CONFIRMED and row.qr_code and row.final_amount == view.final_amount
        assert await statuses(sessionmaker, saga) == {"B5": SeatStatus.BOOKED, "B6": SeatStatus.BOOKED}
        assert await used_count(sessionmaker, code.id) == 1
        steps = [s.name for s in (await saga.handle.query(BookingWorkflow.status)).steps]
        assert steps == ["lock_seats", "validate_voucher", "create_booking", "process_payment", "confirm_booking",
                         "use_voucher", "update_loyalty_points", "send_confirmation"]
        async with sessionmaker() as session:
            balance = (await users_service.loyalty(session, user_id=saga.user_id)).points
        assert balance == row.final_amount // 10_000
        profile_email = (await mailbox_email(sessionmaker, saga.user_id))
        mails = await mailbox.wait_for(profile_email)
        assert mails and row.qr_code in mails[0]["text"]
        assert_money_consistent(fake, {saga.booking_id: row.final_amount})

    async def test_no_ipn_but_the_gateway_says_paid(self, temporal: Client, sessionmaker: SessionMaker,
            redis: Redis, gateway: tuple[GatewayDouble, str], make_user: Any) -> None:
        fake, queue = gateway
        fake.query_answer = pay.SettlementStatus.SUCCESS
        saga = await start(temporal, sessionmaker, redis, queue, make_user, hold_seconds=3)
        await saga.handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
            requester=saga.owner, voucher_code=None, payment_method="MoMo"))
        outcome = await asyncio.wait_for(saga.handle.result(), 30)
        assert outcome.outcome == "CONFIRMED"
        row = await booking_row(sessionmaker, saga.booking_id)
        assert_money_consistent(fake, {saga.booking_id: row.final_amount})


class TestUnpaidBooking:
    async def test_failed_payment_compensates_everything(self, temporal: Client, sessionmaker: SessionMaker,
            redis: Redis, gateway: tuple[GatewayDouble, str], make_user: Any) -> None:
        fake, queue = gateway
        saga = await start(temporal, sessionmaker, redis, queue, make_user)
        code = await voucher(sessionmaker, usageLimit=1)
        await saga.handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
            requester=saga.owner, voucher_code=code.code, payment_method="ZaloPay"))
        assert await used_count(sessionmaker, code.id) == 1
        await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id, ok=False))
        outcome = await asyncio.wait_for(saga.handle.result(), 30)
        assert (outcome.state, outcome.outcome) == (SagaState.COMPENSATED, "PAYMENT_FAILED")
        assert (await booking_row(sessionmaker, saga.booking_id)).status is BookingStatus.CANCELLED
        assert await statuses(sessionmaker, saga) == {"B5": SeatStatus.AVAILABLE, "B6": SeatStatus.AVAILABLE}
        assert await used_count(sessionmaker, code.id) == 0 and saga.booking_id in fake.cancelled
        assert_money_consistent(fake, {})

    async def test_no_ipn_and_nothing_at_the_gateway_expires(
            self, temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
            make_user: Any) -> None:
        fake, queue = gateway
        saga = await start(temporal, sessionmaker, redis, queue, make_user, hold_seconds=3)
        await saga.handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
            requester=saga.owner, voucher_code=None, payment_method="VNPay"))
        outcome = await asyncio.wait_for(saga.handle.result(), 30)
        assert outcome.outcome == "HOLD_EXPIRED"
        assert (await booking_row(sessionmaker, saga.booking_id)).status is BookingStatus.EXPIRED
        assert await statuses(sessionmaker, saga) == {"B5": SeatStatus.AVAILABLE, "B6": SeatStatus.AVAILABLE}
        assert saga.booking_id in fake.cancelled
        assert_money_consistent(fake, {})

    async def test_paid_but_a_seat_was_lost_is_refunded(self, temporal: Client, sessionmaker: SessionMaker,
            redis: Redis, gateway: tuple[GatewayDouble, str], make_user: Any) -> None:
        fake, queue = gateway
        saga = await start(temporal, sessionmaker, redis, queue, make_user)
        await saga.handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
            requester=saga.owner, voucher_code=None, payment_method="VNPay"))
        # As if the hold had run out and another customer took B6 before the money arrived.
        async with unit_of_work(sessionmaker) as session:
            await session.exec(update(ShowtimeSeat).where(  # type: ignore[call-overload]
                col(ShowtimeSeat.showtime_id) == saga.showtime.id, col(ShowtimeSeat.row) == "B",
                col(ShowtimeSeat.number) == 6).values(booking_id=uuid.uuid4()))
        await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id))
        outcome = await asyncio.wait_for(saga.handle.result(), 30)
        assert outcome.outcome == "SEATS_LOST"
        refunds = await refund_of(temporal, saga.booking_id)
        refund = await asyncio.wait_for(refunds.result(), 30)
        assert refund.status == "Refunded"
        assert fake.refunded[saga.booking_id] == fake.paid[saga.booking_id]
        assert (await booking_row(sessionmaker, saga.booking_id)).status is BookingStatus.CANCELLED
        assert (await statuses(sessionmaker, saga))["B5"] is SeatStatus.AVAILABLE
        assert_money_consistent(fake, {})


class TestVoucherRefused:
    async def test_the_hold_survives_and_checkout_works_without_it(
            self, temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
            make_user: Any) -> None:
        _, queue = gateway
        saga = await start(temporal, sessionmaker, redis, queue, make_user)
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await saga.handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
                requester=saga.owner, voucher_code="NO-SUCH-CODE", payment_method="VNPay"))
        assert err.value.cause.type == "VOUCHER_NOT_FOUND"  # type: ignore[union-attr]
        assert await statuses(sessionmaker, saga) == {"B5": SeatStatus.LOCKED, "B6": SeatStatus.LOCKED}
        view = await saga.handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
            requester=saga.owner, voucher_code=None, payment_method="VNPay"))
        assert view.discount == 0
        await saga.handle.cancel()

    async def test_someone_else_cannot_check_out(self, temporal: Client, sessionmaker: SessionMaker,
            redis: Redis, gateway: tuple[GatewayDouble, str], make_user: Any) -> None:
        _, queue = gateway
        saga = await start(temporal, sessionmaker, redis, queue, make_user)
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await saga.handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
                requester=Requester(user_id=uuid.uuid4()), voucher_code=None, payment_method="VNPay"))
        assert err.value.cause.type == "NOT_FOUND"  # type: ignore[union-attr]
        await saga.handle.cancel()


async def mailbox_email(sessionmaker: SessionMaker, user_id: uuid.UUID) -> str:
    from domain.users import service as users_service

    async with sessionmaker() as session:
        return (await users_service.get_profile(session, user_id=user_id)).email


class TestReplay:
    async def test_a_finished_saga_replays_deterministically(
            self, temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
            make_user: Any) -> None:
        """The workflow code reproduces its own history: no hidden clock, randomness or I/O in the saga."""
        fake, queue = gateway
        saga = await start(temporal, sessionmaker, redis, queue, make_user)
        code = await voucher(sessionmaker)
        await saga.handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
            requester=saga.owner, voucher_code=code.code, payment_method="MoMo"))
        await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id))
        await asyncio.wait_for(saga.handle.result(), 30)
        replayer = Replayer(workflows=ALL_WORKFLOWS, data_converter=pydantic_data_converter)
        result = await replayer.replay_workflow(await saga.handle.fetch_history(), raise_on_replay_failure=False)
        assert result.replay_failure is None


class TestForeignSettlements:
    async def test_only_this_sagas_payment_at_its_price_confirms(
            self, temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
            make_user: Any) -> None:
        fake, queue = gateway
        saga = await start(temporal, sessionmaker, redis, queue, make_user)
        early = pay.PaymentSettlement(booking_id=saga.booking_id, payment_id=uuid.uuid4(),
                                      status=pay.SettlementStatus.SUCCESS, amount=1_000)
        await saga.handle.signal(BookingWorkflow.payment_settled, early)  # before checkout: ignored
        view = await saga.handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
            requester=saga.owner, voucher_code=None, payment_method="VNPay"))
        for foreign in (early, pay.PaymentSettlement(booking_id=saga.booking_id, payment_id=view.payment_id,
                                                     status=pay.SettlementStatus.SUCCESS, amount=1_000)):
            await saga.handle.signal(BookingWorkflow.payment_settled, foreign)
        await asyncio.sleep(1)
        assert (await booking_row(sessionmaker, saga.booking_id)).status is BookingStatus.PENDING
        await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id))
        outcome = await asyncio.wait_for(saga.handle.result(), 30)
        assert outcome.outcome == "CONFIRMED"
