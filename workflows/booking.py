"""BookingWorkflow: the booking saga (seed "Booking Saga Flow"), workflow id `booking-{bookingId}`.

1. The API holds the seats (api/sagas.py hold_seats) and starts the saga with the hold; a durable timer keeps
   it. Sagas started before that hold through their `lock_seats` update (update-with-start).
2. `checkout` (update) holds the F&B pre-order, reserves the voucher (and its free item), spends loyalty points,
   records the booking, starts the payment.
3. The payment webhook sends `payment_settled`; without it, the saga asks the gateway at the deadline.
4. Paid: sell the hold's flash tickets (if any), sell the seats and confirm with a QR ticket; then the F&B sale,
   the voucher use, points, mail (never undo a paid booking).
Every step registers its compensation before it runs; on expiry, release, failure or cancellation the
compensations run newest first. Temporal's history is the saga log; the `status` query gives the readable
summary, and the SagaState search attribute tracks it in the Temporal UI.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ApplicationError, FailureError
from temporalio.workflow import ParentClosePolicy

from workflows.search_attributes import PAYMENT_METHOD, SAGA_STATE, refund_attributes

with workflow.unsafe.imports_passed_through():
    from activities.bookings import BookingActivities
    from activities.fnb import FnbActivities
    from activities.notifications import NotificationActivities
    from activities.promotions import PromotionActivities
    from activities.showtimes import ShowtimeActivities
    from domain.bookings import payment_port as pay
    from domain.bookings import saga_summary
    from domain.bookings.refunds import RefundInput
    from domain.bookings.saga import SagaStep, SagaView, StepStatus
    from domain.bookings.schemas import (
        BookingInput,
        BookingOutcome,
        CheckoutRequest,
        CheckoutView,
        CloseBookingInput,
        ConfirmBookingInput,
        CreateBookingInput,
        HoldView,
        LockSeatsInput,
        ReleaseSeatsInput,
        Requester,
        SeatSelection,
    )
    from domain.contracts.queues import TaskQueue
    from domain.contracts.saga_states import SagaState
    from domain.fnb.schemas import FnbOrderRef, FnbReserved, OrderLine, ReserveFnbInput
    from domain.promotions.flash_schemas import FlashClaimInput
    from domain.promotions.schemas import (
        LoyaltyInput,
        PointsSpent,
        ReleaseVoucherInput,
        ReserveVoucherInput,
        SpendPointsInput,
        VoucherReserved,
        VoucherSeat,
    )
    from workflows.refund import RefundWorkflow, child_refund_id
    from workflows.saga import DURABLE, INTERACTIVE, Saga, StepFailed, cause_of, refusal

T = TypeVar("T")
A = TypeVar("A")

# Sagas before this patch held and released their seats on the `cinema-catalog` queue (now the showtimes
# service's queue); they keep it when they replay, and the legacy queue is still served (workers/registry.py).
SEATS_QUEUE_PATCH = "seats-on-showtimes-queue"
# Sagas before this patch ran the bookings service's own steps as activities on its queue and wrote every
# state to the SagaState search attribute.
LEAN_STEPS_PATCH = "bookings-steps-local"
# Sagas before this patch started a payment also for 0 VND (a 100%-off voucher), which the payments
# service refused; since, a free booking records no payment and is confirmed as paid.
FREE_BOOKING_PATCH = "free-booking"
# Checkouts with F&B (fnbItems) reserve it in a reserve_fnb step on the F&B queue; only such checkouts
# reach this patch, so sagas from before it replay unchanged.
FNB_PATCH = "fnb-preorders"
# A FreeItem voucher adds its F&B to the order at 0 VND: a second reserve_fnb after validate_voucher.
FREE_ITEM_PATCH = "voucher-free-item"
# Checkouts with pointsToRedeem spend loyalty points as a tender in a redeem_points step (restore_points undoes it).
POINTS_PATCH = "points-tender"
# A hold with flash tickets (claimed with the seats at the API edge): release_flash_sale compensates them, and
# sell_flash_sale sells them before the booking is confirmed. Only such holds reach this patch.
FLASH_SALE_PATCH = "flash-sales"
# The PaymentMethod search attribute, set with BOOKING_CREATED at checkout (one visibility write, as before).
PAYMENT_METHOD_PATCH = "payment-method-attribute"
PASSING_STATES = frozenset({SagaState.VOUCHER_VALIDATED, SagaState.PAYMENT_PROCESSED, SagaState.POINTS_UPDATED,
                            SagaState.NOTIFICATIONS_SENT})


def _refuse(code: str, message: str, status: int = 409) -> ApplicationError:
    return ApplicationError(message, {"status": status, "details": None}, type=code, non_retryable=True)


def count_ended(outcome: str) -> None:
    """Booking sagas ended, by outcome (CONFIRMED, HOLD_EXPIRED, PAYMENT_FAILED, …), on the worker's metrics
    endpoint; the SDK counts nothing while a history replays."""
    workflow.metric_meter().create_counter("cinema_bookings", "Booking sagas ended, by outcome").add(
        1, {"outcome": outcome})


@workflow.defn
class BookingWorkflow:
    @workflow.init
    def __init__(self, input: BookingInput) -> None:
        self._input = input
        self._state = SagaState.STARTED
        self._steps: list[SagaStep] = []
        self._saga = Saga()
        self._hold: HoldView | None = None
        self._checkout: CheckoutView | None = None
        self._settlement: pay.PaymentSettlement | None = None
        self._lock_failed = False
        self._voucher_reserved = False
        self._fnb = FnbReserved(lines=[], amount=0)  # the F&B of the checkout that went through
        self._fnb_attempt = 0  # checkout attempts that reserved F&B: each one's release names it
        self._released = False
        self._aborted: str | None = None  # a checkout failed after recording the booking: undo everything
        self._checking_out = 0  # checkouts accepted and not answered yet: a retry of one joins it
        self._outcome: str | None = None
        self._busy = asyncio.Lock()  # handlers interleave at every await; one step sequence at a time
        if input.hold is not None:  # here, not in run(): an update in the first task is checked before run()
            self._took_hold(input.hold)

    @workflow.run
    async def run(self, input: BookingInput) -> BookingOutcome:
        try:
            await workflow.wait_condition(lambda: self._hold is not None or self._lock_failed)
            if self._hold is None:
                return await self._undo("SEATS_NOT_HELD", end=SagaState.FAILED)
            try:
                left = max(self._hold.expires_at - workflow.now(), timedelta(0))
                await workflow.wait_condition(
                    lambda: self._released or self._aborted is not None or self._settlement is not None,
                    timeout=left, timeout_summary=saga_summary.hold_timer_summary(left.total_seconds()))
            except TimeoutError:
                pass
            async with self._busy:  # let a checkout in progress finish its steps first
                if self._aborted or self._released:
                    return await self._undo(self._aborted or "RELEASED_BY_CUSTOMER",
                                            end=SagaState.FAILED if self._aborted else SagaState.COMPENSATED)
                settlement = self._settlement or await self._ask_gateway()
                if settlement is not None and settlement.status is pay.SettlementStatus.SUCCESS \
                        and self._checkout is not None and settlement.amount != self._checkout.final_amount:
                    # Money moved, but not this booking's price: give it back rather than sell the seats.
                    paid = settlement.amount
                    self._saga.on_failure("refund_payment", lambda: self._start_refund(paid))
                    return await self._undo("AMOUNT_MISMATCH")
                if settlement is None or settlement.status is not pay.SettlementStatus.SUCCESS:
                    failed = settlement is not None and settlement.status is pay.SettlementStatus.FAILED
                    return await self._undo("PAYMENT_FAILED" if failed else "HOLD_EXPIRED")
                return await self._complete(settlement)
        except BaseException as e:
            # CancelledError is not an Exception: a cancelled saga compensates too.
            if isinstance(e, (asyncio.CancelledError, FailureError)):
                await self._undo("CANCELLED" if isinstance(e, asyncio.CancelledError) else "FAILED")
            raise

    # Step 1 -----------------------------------------------------------------------------------------
    def _took_hold(self, hold: HoldView) -> None:
        """The API held the seats before starting this saga (api/sagas.py hold_seats): from here the saga owns
        the hold, its timer and its release. The start set SagaState to SEATS_LOCKED already."""
        self._release_seats_on_failure(TaskQueue.SHOWTIMES)
        self._steps.append(SagaStep(name="lock_seats", service="showtimes", status=StepStatus.SUCCESS,
                                    timestamp=workflow.now()))
        if hold.flash_sale is not None and workflow.patched(FLASH_SALE_PATCH):
            self._saga.on_failure("release_flash_sale", lambda: self._flash_activity(
                PromotionActivities.release_flash_sale))
        self._hold, self._state = hold, SagaState.SEATS_LOCKED
        self._show_progress()

    def _release_seats_on_failure(self, queue: str) -> None:
        release = ReleaseSeatsInput(booking_id=self._input.booking_id, showtime_id=self._input.showtime_id)
        self._saga.on_failure("release_seats", lambda: workflow.execute_activity_method(
            ShowtimeActivities.release_seats, release, task_queue=queue, summary=self._seats_summary("give back"),
            **DURABLE))

    @workflow.update
    async def lock_seats(self, selection: SeatSelection) -> HoldView:
        """Hold the seats: sagas started before the hold moved to the API edge. Repeating the same request
        returns the same hold."""
        async with self._busy:
            if self._hold is not None:
                return self._hold
            booking = self._input
            expires_at = workflow.now() + timedelta(seconds=booking.hold_seconds)
            queue = TaskQueue.SHOWTIMES if workflow.patched(SEATS_QUEUE_PATCH) else TaskQueue.LEGACY_CATALOG
            self._release_seats_on_failure(queue)
            try:
                seats = await self._step("lock_seats", "showtimes", workflow.execute_activity_method(
                    ShowtimeActivities.lock_seats, LockSeatsInput(
                        booking_id=booking.booking_id, user_id=booking.user_id, showtime_id=booking.showtime_id,
                        seat_ids=selection.seat_ids, until=expires_at, max_seats=booking.max_seats,
                        orphan_rule=booking.orphan_rule),
                    task_queue=queue, **INTERACTIVE))
            except StepFailed as e:
                self._lock_failed = True
                raise refusal(e, "LOCK_FAILED") from e
            self._hold = HoldView(booking_id=booking.booking_id, showtime_id=booking.showtime_id, seats=seats,
                                  total_amount=sum(seat.price for seat in seats), expires_at=expires_at,
                                  state=SagaState.SEATS_LOCKED)
            self._set_state(SagaState.SEATS_LOCKED)
            return self._hold

    @lock_seats.validator
    def _accepts_seats(self, selection: SeatSelection) -> None:
        if self._lock_failed or self._state not in (SagaState.STARTED, SagaState.SEATS_LOCKED):
            raise _refuse("BOOKING_CLOSED", "This booking no longer accepts seats.")
        if self._hold is not None and {s.seat_id for s in self._hold.seats} != set(selection.seat_ids):
            raise _refuse("BOOKING_CLOSED", "This booking already holds other seats.")

    # Steps 2-4 --------------------------------------------------------------------------------------
    @workflow.update
    async def checkout(self, request: CheckoutRequest) -> CheckoutView:
        """F&B, voucher, points, booking record, payment. A refused F&B order, voucher or points spend keeps the
        hold (and gives back what this checkout took), so the customer can retry.
        A checkout sent again while the first is still running (its answer lost) waits for it and gets its answer."""
        self._checking_out += 1
        try:
            return await self._checkout_once(request)
        finally:
            self._checking_out -= 1

    async def _checkout_once(self, request: CheckoutRequest) -> CheckoutView:
        async with self._busy:
            if self._checkout is not None:
                return self._checkout
            ended = self._aborted or self._released or workflow.now() >= self._require_hold().expires_at
            if ended and workflow.patched("checkout-retry-joins"):  # a retry accepted while the first ran
                raise _refuse("NOT_HOLDING", "Nothing is held for this booking any more; pick seats again.")
            hold, booking = self._require_hold(), self._input
            fnb = FnbReserved(lines=[], amount=0)
            if request.fnb_items and workflow.patched(FNB_PATCH):
                fnb = await self._reserve_fnb(request.fnb_items)
            discount = 0
            if request.voucher_code:
                self._saga.on_failure("release_voucher", lambda: workflow.execute_activity_method(
                    PromotionActivities.release_voucher, ReleaseVoucherInput(booking_id=booking.booking_id),
                    task_queue=TaskQueue.PROMOTIONS, **DURABLE))
                try:
                    reserved: VoucherReserved = await self._step(
                        "validate_voucher", "promotions", workflow.execute_activity_method(
                            PromotionActivities.reserve_voucher, ReserveVoucherInput(
                                booking_id=booking.booking_id, user_id=booking.user_id, code=request.voucher_code,
                                amount=hold.total_amount, showtime_id=booking.showtime_id,
                                seats=[VoucherSeat(type=s.type, price=s.price) for s in hold.seats],
                                fnb_amount=fnb.amount), task_queue=TaskQueue.PROMOTIONS, **INTERACTIVE))
                except StepFailed as e:
                    # Keep the hold so the customer can try another code or none. A timed-out attempt may
                    # still have reserved a use, so give it back now (a no-op when nothing was reserved).
                    await self._give_back_voucher(fnb)
                    raise refusal(e, "VOUCHER_FAILED") from e
                if reserved.free_item is not None and workflow.patched(FREE_ITEM_PATCH):
                    gift = OrderLine(item_id=reserved.free_item.item_id, combo_id=reserved.free_item.combo_id,
                                     quantity=reserved.free_item.quantity)
                    try:  # the order again, with the voucher's item at 0 VND (a new attempt replaces the first)
                        fnb = await self._reserve_fnb(request.fnb_items, free=[gift])
                    except ApplicationError:  # out of stock or off sale here: the voucher use goes back too
                        await self._give_back_voucher(fnb)
                        raise
                discount, self._voucher_reserved = reserved.discount, True
                self._set_state(SagaState.VOUCHER_VALIDATED)
            total = hold.total_amount + fnb.amount
            points = 0  # VND the loyalty points pay
            if request.points_to_redeem and workflow.patched(POINTS_PATCH):
                points = await self._redeem_points(request, amount_due=total - discount, fnb=fnb)
            # Nothing to pay (a 100%-off voucher, points): no gateway; the booking is paid as it stands.
            free = total == discount + points and workflow.patched(FREE_BOOKING_PATCH)
            try:
                started = await self._record_and_charge(request, discount, fnb, points, free=free)
            except StepFailed as e:
                self._aborted = "CHECKOUT_FAILED"  # run() compensates once this handler has answered
                raise refusal(e, "PAYMENT_UNAVAILABLE") from e
            self._fnb = fnb
            self._checkout = CheckoutView(
                booking_id=booking.booking_id, total_amount=total, fnb_amount=fnb.amount, discount=discount,
                points_amount=points, final_amount=total - discount - points, payment_method=request.payment_method,
                payment_id=started.payment_id, payment_url=started.payment_url, expires_at=hold.expires_at,
                state=self._state)
            if started.status is pay.SettlementStatus.SUCCESS:  # paid at the counter
                self._settlement = pay.PaymentSettlement(booking_id=booking.booking_id, payment_id=started.payment_id,
                                                         status=started.status, amount=self._checkout.final_amount)
            return self._checkout

    async def _give_back_voucher(self, fnb: FnbReserved) -> None:
        """A refused checkout gives its voucher use back now, and its F&B (the next checkout orders again)."""
        await workflow.execute_activity_method(
            PromotionActivities.release_voucher, ReleaseVoucherInput(booking_id=self._input.booking_id),
            task_queue=TaskQueue.PROMOTIONS, **DURABLE)
        self._saga.forget("release_voucher")
        if fnb.lines:
            await self._release_fnb()

    async def _redeem_points(self, request: CheckoutRequest, *, amount_due: int, fnb: FnbReserved) -> int:
        """Spend loyalty points as a tender: the VND they pay. Refused (short, over the cap): nothing was spent,
        the voucher and F&B of this checkout go back and the seats stay held. Failed otherwise (a spend that
        timed out may still land): the points are given back now, and this booking takes no more points."""
        booking = self._input
        restore = LoyaltyInput(user_id=booking.user_id, booking_id=booking.booking_id)
        self._saga.on_failure("restore_points", lambda: workflow.execute_activity_method(
            PromotionActivities.restore_points, restore, task_queue=TaskQueue.PROMOTIONS, **DURABLE))
        try:
            spent: PointsSpent = await self._step("redeem_points", "promotions", workflow.execute_activity_method(
                PromotionActivities.redeem_points, SpendPointsInput(
                    user_id=booking.user_id, booking_id=booking.booking_id, points=request.points_to_redeem,
                    amount_due=amount_due), task_queue=TaskQueue.PROMOTIONS, **INTERACTIVE))
        except StepFailed as e:
            cause = cause_of(e)
            if not (isinstance(cause, ApplicationError) and cause.type in ("POINTS_NOT_ENOUGH", "POINTS_OVER_CAP")):
                await workflow.execute_activity_method(PromotionActivities.restore_points, restore,
                                                       task_queue=TaskQueue.PROMOTIONS, **DURABLE)
            self._saga.forget("restore_points")
            if request.voucher_code:
                await self._give_back_voucher(fnb)
            elif fnb.lines:
                await self._release_fnb()
            raise refusal(e, "POINTS_UNAVAILABLE") from e
        return spent.amount

    async def _reserve_fnb(self, lines: list[OrderLine], free: list[OrderLine] | None = None) -> FnbReserved:
        """Hold the F&B at the showtime's cinema, all or nothing. Refused (FNB_OUT_OF_STOCK names what is short):
        the seats stay held and the customer can change the order. Each attempt is numbered; its release
        names it, so a late retry of a given-up attempt holds nothing."""
        if not self._fnb_attempt:  # one compensation, releasing whatever attempt holds F&B by then
            self._saga.on_failure("release_fnb", lambda: self._fnb_activity(FnbActivities.release_fnb))
        self._fnb_attempt += 1
        booking = self._input
        try:
            return await self._step("reserve_fnb", "fnb", workflow.execute_activity_method(
                FnbActivities.reserve_fnb, ReserveFnbInput(
                    booking_id=booking.booking_id, showtime_id=booking.showtime_id, attempt=self._fnb_attempt,
                    lines=lines, free_lines=free or []), task_queue=TaskQueue.FNB, **INTERACTIVE))
        except StepFailed as e:
            await self._release_fnb()  # a timed-out attempt may have held some
            raise refusal(e, "FNB_UNAVAILABLE") from e

    async def _release_fnb(self) -> None:
        await self._fnb_activity(FnbActivities.release_fnb)

    def _fnb_activity(self, activity: Callable[[FnbActivities, FnbOrderRef], Awaitable[None]]) -> Awaitable[None]:
        ref = FnbOrderRef(booking_id=self._input.booking_id, showtime_id=self._input.showtime_id,
                          attempt=self._fnb_attempt)
        return workflow.execute_activity_method(activity, ref, task_queue=TaskQueue.FNB, **DURABLE)

    def _flash_activity(self, activity: Callable[[PromotionActivities, FlashClaimInput], Awaitable[None]]
                        ) -> Awaitable[None]:
        return workflow.execute_activity_method(activity, FlashClaimInput(booking_id=self._input.booking_id),
                                                task_queue=TaskQueue.PROMOTIONS, **DURABLE)

    @checkout.validator
    def _can_checkout(self, request: CheckoutRequest) -> None:
        self._check_owner(request.requester)
        if self._checkout is None and not self._checking_out and (
                self._state not in (SagaState.SEATS_LOCKED, SagaState.VOUCHER_VALIDATED)
                or self._released or self._aborted or workflow.now() >= self._require_hold().expires_at):
            raise _refuse("NOT_HOLDING", "Nothing is held for this booking any more; pick seats again.")
        if request.expected_amount is not None:
            self._check_counter_payment(request)

    def _check_counter_payment(self, request: CheckoutRequest) -> None:
        """Money taken at the counter is recorded only for this hold, at its price (validators write no history)."""
        if self._checkout is not None:
            if (self._checkout.payment_method, self._checkout.final_amount) != (request.payment_method,
                                                                                request.expected_amount):
                raise ApplicationError("This booking already has a payment with another method or amount.", {
                    "status": 409, "details": {"paymentId": str(self._checkout.payment_id),
                                               "method": self._checkout.payment_method.value,
                                               "amount": self._checkout.final_amount}},
                    type="PAYMENT_EXISTS", non_retryable=True)
            return
        due = self._require_hold().total_amount
        if request.expected_amount != due:
            raise ApplicationError(f"This hold costs {due} VND, not {request.expected_amount}.",
                                   {"status": 409, "details": {"amountDue": due}},
                                   type="AMOUNT_MISMATCH", non_retryable=True)

    async def _record_and_charge(self, request: CheckoutRequest, discount: int, fnb: FnbReserved, points: int = 0,
                                 *, free: bool = False) -> pay.PaymentStarted:
        hold, booking = self._require_hold(), self._input
        # `close_booking` ends the unpaid booking (Cancelled or Expired); `cancel_booking` is the
        # CancellationWorkflow's cancellation of a paid one. Each name is one step, one activity, one event.
        self._saga.on_failure("close_booking", lambda: workflow.execute_activity_method(
            BookingActivities.close_booking, CloseBookingInput(
                booking_id=booking.booking_id, status="Expired" if self._outcome == "HOLD_EXPIRED" else "Cancelled",
                reason=self._outcome or "cancelled"), task_queue=TaskQueue.BOOKINGS, **DURABLE))
        await self._step("create_booking", "bookings", self._own_step(
            BookingActivities.create_booking, CreateBookingInput(
                booking_id=booking.booking_id, user_id=booking.user_id, showtime_id=booking.showtime_id,
                seats=hold.seats, discount=discount, voucher_code=request.voucher_code,
                payment_method=request.payment_method, expires_at=hold.expires_at, fnb_lines=fnb.lines,
                points_amount=points), INTERACTIVE))
        method = [PAYMENT_METHOD.value_set(str(request.payment_method))] if workflow.patched(PAYMENT_METHOD_PATCH) \
            else []
        self._set_state(SagaState.BOOKING_CREATED, also=method)
        if free:
            return pay.PaymentStarted(payment_id=None, payment_url=None, status=pay.SettlementStatus.SUCCESS)
        self._saga.on_failure("cancel_payment", lambda: workflow.execute_activity(
            pay.CANCEL_PAYMENT, booking.booking_id, task_queue=booking.payment_queue, **DURABLE))
        amount = hold.total_amount + fnb.amount - discount - points
        return await self._step("process_payment", "payments", workflow.execute_activity(
            pay.START_PAYMENT, pay.StartPaymentInput(
                booking_id=booking.booking_id, user_id=booking.user_id,
                amount=amount, method=request.payment_method,
                expires_at=hold.expires_at,
                description=f"Cinema booking {booking.booking_id}", reference=request.reference,
                recorded_by=None if request.payment_method.online else request.requester.user_id),
            result_type=pay.PaymentStarted, task_queue=booking.payment_queue,
            summary=f"charge {saga_summary.vnd(amount)} by {request.payment_method}", **INTERACTIVE))

    # Step 4 answer ----------------------------------------------------------------------------------
    @workflow.signal
    def payment_settled(self, settlement: pay.PaymentSettlement) -> None:
        """From the payment webhook (the IPN is the source of truth). The first final answer about *this*
        saga's payment wins; anything else (no checkout yet, another payment, another amount) is ignored."""
        checkout = self._checkout
        if (self._settlement is not None or checkout is None or settlement.status is pay.SettlementStatus.PENDING
                or (settlement.payment_id is not None and settlement.payment_id != checkout.payment_id)
                or (settlement.status is pay.SettlementStatus.SUCCESS
                    and settlement.amount != checkout.final_amount)):
            workflow.logger.warning("ignored payment settlement %s", settlement)
            return
        self._settlement = settlement

    async def _ask_gateway(self) -> pay.PaymentSettlement | None:
        """No IPN by the deadline: ask the gateway before giving up (a payment may have gone through)."""
        if self._checkout is None:
            return None
        return await self._step("query_payment", "payments", workflow.execute_activity(
            pay.SETTLE_PAYMENT, self._input.booking_id, result_type=pay.PaymentSettlement,
            task_queue=self._input.payment_queue, **DURABLE))

    # Steps 5-7 --------------------------------------------------------------------------------------
    async def _complete(self, settlement: pay.PaymentSettlement) -> BookingOutcome:
        booking, checkout = self._input, self._checkout
        assert checkout is not None
        self._set_state(SagaState.PAYMENT_PROCESSED)
        self._saga.forget("cancel_payment")
        if checkout.final_amount:  # a free booking took no money: nothing to give back
            self._saga.on_failure("refund_payment", lambda: self._start_refund(checkout.final_amount))
        try:
            if self._require_hold().flash_sale is not None and workflow.patched(FLASH_SALE_PATCH):
                await self._step("sell_flash_sale", "promotions",
                                 self._flash_activity(PromotionActivities.sell_flash_sale))
            await self._step("confirm_booking", "bookings", self._own_step(
                BookingActivities.confirm_booking, ConfirmBookingInput(
                    booking_id=booking.booking_id, showtime_id=booking.showtime_id,
                    payment_id=settlement.payment_id), DURABLE))
        except StepFailed as e:  # e.g. SEATS_LOST or FLASH_SALE_SOLD_OUT after a late payment: refund, undo all
            cause = cause_of(e)
            return await self._undo(cause.type if isinstance(cause, ApplicationError) and cause.type
                                    else "CONFIRMATION_FAILED")
        self._saga = Saga()  # a paid, confirmed booking is never undone by the steps below
        self._set_state(SagaState.BOOKING_CONFIRMED)
        if self._fnb.lines:  # the held F&B becomes a sale, collected at the counter with the ticket
            await self._best_effort("sell_fnb", "fnb", self._fnb_activity(FnbActivities.sell_fnb))
        if self._voucher_reserved:
            await self._best_effort("use_voucher", "promotions", workflow.execute_activity_method(
                PromotionActivities.use_voucher, ReleaseVoucherInput(booking_id=booking.booking_id),
                task_queue=TaskQueue.PROMOTIONS, **DURABLE))
        if await self._best_effort("update_loyalty_points", "promotions", workflow.execute_activity_method(
                PromotionActivities.award_points, LoyaltyInput(user_id=booking.user_id, booking_id=booking.booking_id,
                                                               amount_paid=checkout.final_amount),
                task_queue=TaskQueue.PROMOTIONS, **DURABLE)):
            self._set_state(SagaState.POINTS_UPDATED)
        if await self._best_effort("send_confirmation", "notifications", self._mail_confirmation()):
            self._set_state(SagaState.NOTIFICATIONS_SENT)
        self._outcome = "CONFIRMED"
        self._set_state(SagaState.COMPLETED)
        count_ended(self._outcome)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return BookingOutcome(booking_id=booking.booking_id, state=self._state, outcome=self._outcome)

    async def _start_refund(self, amount: int) -> None:
        """Compensates the payment: a RefundWorkflow of its own, which outlives this saga until the money is back."""
        booking = self._input
        refund_id = workflow.uuid4()
        await workflow.start_child_workflow(
            RefundWorkflow.run, RefundInput(refund_id=refund_id, booking_id=booking.booking_id, amount=amount,
                                            reason=self._outcome or "booking failed",
                                            payment_queue=booking.payment_queue),
            id=child_refund_id(refund_id, booking.booking_id), task_queue=TaskQueue.BOOKINGS,
            parent_close_policy=ParentClosePolicy.ABANDON,
            static_summary=saga_summary.refund_summary(amount, self._outcome or "booking failed"),
            search_attributes=refund_attributes(booking.booking_id))

    async def _mail_confirmation(self) -> None:
        mail = await self._own_step(BookingActivities.compose_confirmation, ConfirmBookingInput(
            booking_id=self._input.booking_id, showtime_id=self._input.showtime_id, payment_id=None), DURABLE)
        await workflow.execute_activity_method(NotificationActivities.send_email, mail,
                                               task_queue=TaskQueue.NOTIFICATIONS, **DURABLE)

    # Release, queries, helpers ----------------------------------------------------------------------
    @workflow.update
    async def release_hold(self, who: Requester) -> None:
        """The customer gives the seats back before paying."""
        self._released = True

    @release_hold.validator
    def _holding(self, who: Requester) -> None:
        self._check_owner(who)
        if self._state not in (SagaState.SEATS_LOCKED, SagaState.VOUCHER_VALIDATED) or self._released \
                or self._checkout is not None:
            raise _refuse("NOT_HOLDING", "Nothing is held for this booking.")

    @workflow.query
    def status(self) -> SagaView:
        return SagaView(booking_id=str(self._input.booking_id), state=self._state, outcome=self._outcome,
                        steps=self._steps)

    def _check_owner(self, who: Requester) -> None:
        if who.user_id != self._input.user_id and not who.is_staff:
            raise _refuse("NOT_FOUND", "No such booking.", status=404)

    def _require_hold(self) -> HoldView:
        if self._hold is None:
            raise _refuse("NOT_HOLDING", "Nothing is held for this booking; pick seats first.")
        return self._hold

    async def _step(self, name: str, service: str, call: Awaitable[T]) -> T:
        """Run one saga step, keeping its record for the `status` query."""
        record = SagaStep(name=name, service=service, status=StepStatus.PENDING, timestamp=workflow.now())
        self._steps.append(record)
        self._show_progress()
        try:
            result = await call
        except BaseException as e:
            record.status, record.error = StepStatus.FAILED, str(getattr(e, "cause", None) or e)
            self._show_progress()
            raise
        record.status, record.timestamp = StepStatus.SUCCESS, workflow.now()
        self._show_progress()
        return result

    async def _best_effort(self, name: str, service: str, call: Awaitable[object]) -> bool:
        """A step after confirmation: its failure is logged in the steps, never undoes the booking."""
        try:
            await self._step(name, service, call)
        except StepFailed:
            return False
        return True

    async def _undo(self, outcome: str, end: SagaState = SagaState.COMPENSATED) -> BookingOutcome:
        """Run every compensation (newest first), then record how the saga ended."""
        self._outcome = outcome
        self._set_state(SagaState.COMPENSATING)

        def done(name: str) -> None:
            self._steps.append(SagaStep(name=name, service="compensation", status=StepStatus.COMPENSATED,
                                        timestamp=workflow.now()))
            workflow.metric_meter().create_counter(
                "cinema_saga_compensations", "Compensation steps run by booking sagas").add(1, {"step": name})

        await self._saga.compensate(done)
        self._set_state(end)
        count_ended(outcome)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return BookingOutcome(booking_id=self._input.booking_id, state=self._state, outcome=outcome)

    def _own_step(self, activity: Callable[[Any, A], Awaitable[T]], arg: A, options: dict[str, Any]) -> Awaitable[T]:
        """A step of the bookings service itself: a local activity, run by the worker that runs this saga (no
        task to dispatch, one marker in the history; Temporal is the bottleneck, BRIEF §7). Sagas that ran
        these steps as activities on the bookings queue before the patch keep doing so when they replay."""
        if workflow.patched(LEAN_STEPS_PATCH):
            return workflow.execute_local_activity_method(activity, arg, **options)
        return workflow.execute_activity_method(activity, arg, task_queue=TaskQueue.BOOKINGS, **options)

    def _set_state(self, state: SagaState, also: Sequence[SearchAttributeUpdate[Any]] = ()) -> None:
        """The `status` query shows every state; the SagaState search attribute leaves out the passing ones,
        which the next state replaces within the same step sequence (one visibility write less each)."""
        self._state = state
        self._show_progress()
        if state in PASSING_STATES and workflow.patched(LEAN_STEPS_PATCH):
            return
        workflow.upsert_search_attributes([SAGA_STATE.value_set(state.value), *also])

    def _show_progress(self) -> None:
        """The workflow's current details in the Temporal UI: state, step, time the hold has left (no command:
        it is read through the metadata query, so replays are unaffected)."""
        step = self._steps[-1] if self._steps else None
        workflow.set_current_details(saga_summary.current_details(
            self._state.value, step=step.name if step else None, step_status=step.status.value if step else None,
            held_until=self._hold.expires_at if self._hold else None, now=workflow.now()))

    def _seats_summary(self, verb: str) -> str:
        return f"{verb} {saga_summary.seat_labels(self._hold.seats)}" if self._hold else verb
