"""Contracts of the booking saga (workflow, activities, API) and the booking routes' bodies."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from domain.contracts.payment_methods import PaymentMethod
from domain.contracts.saga_states import SagaState
from domain.fnb.schemas import OrderLine, OrderLines, SoldLine
from domain.promotions.flash_schemas import FlashTicketsHeld
from domain.shared.schemas import ApiModel
from domain.showtimes.schemas import SeatLine


class BookingInput(BaseModel):
    """What BookingWorkflow starts with; durations are inputs so tests can use seconds."""

    booking_id: uuid.UUID
    user_id: uuid.UUID
    showtime_id: uuid.UUID
    hold_seconds: int
    max_seats: int
    orphan_rule: bool = True
    payment_queue: str = "cinema-payments"  # where the payments service serves the saga's payment port
    # The seats the API already holds for this booking (api/sagas.py hold_seats). None: a saga from before
    # the hold moved to the edge, which holds them itself through its `lock_seats` update.
    hold: HoldView | None = None


class Requester(BaseModel):
    """Who asks the saga for something; the workflow checks it owns the booking (or is staff)."""

    user_id: uuid.UUID
    is_staff: bool = False


class SeatSelection(BaseModel):
    seat_ids: list[uuid.UUID]


class LockSeatsInput(BaseModel):
    booking_id: uuid.UUID
    user_id: uuid.UUID
    showtime_id: uuid.UUID
    seat_ids: list[uuid.UUID]
    until: datetime
    max_seats: int
    orphan_rule: bool = True


class ReleaseSeatsInput(BaseModel):
    booking_id: uuid.UUID
    showtime_id: uuid.UUID


class HoldView(ApiModel):
    """The answer to lock-seats: what is held, for how much, until when."""

    booking_id: uuid.UUID
    showtime_id: uuid.UUID
    seats: list[SeatLine]
    total_amount: int
    expires_at: datetime
    state: SagaState
    flash_sale: FlashTicketsHeld | None = Field(default=None, description="Flash tickets in this hold (the seats' "
                                                                          "prices are already the flash prices)")


class LockSeatsRequest(ApiModel):
    showtime_id: uuid.UUID
    seat_ids: list[uuid.UUID] = Field(min_length=1, max_length=50)
    accept_regular_price: bool = Field(default=False, description=(
        "A flash sale covers the seats but its quota or your limit is short: hold them at the regular price "
        "instead of the refusal (FLASH_SALE_SOLD_OUT, FLASH_SALE_LIMIT_REACHED)"))


class BookingOutcome(BaseModel):
    booking_id: uuid.UUID
    state: SagaState
    outcome: str


class CreateBookingInput(BaseModel):
    booking_id: uuid.UUID
    user_id: uuid.UUID
    showtime_id: uuid.UUID
    seats: list[SeatLine]
    discount: int
    voucher_code: str | None
    payment_method: PaymentMethod
    expires_at: datetime
    fnb_lines: list[SoldLine] = []  # the F&B pre-order as reserve_fnb priced it
    points_amount: int = 0  # what loyalty points pay (redeem_points)


class CloseBookingInput(BaseModel):
    booking_id: uuid.UUID
    status: str  # "Cancelled" or "Expired"
    reason: str


class ConfirmBookingInput(BaseModel):
    booking_id: uuid.UUID
    showtime_id: uuid.UUID
    payment_id: uuid.UUID | None


class Ticket(BaseModel):
    booking_id: uuid.UUID
    qr_code: str


class BookingPublic(ApiModel):
    id: uuid.UUID
    user_id: uuid.UUID
    showtime_id: uuid.UUID
    seats: list[SeatLine]
    fnb_items: list[SoldLine] = Field(default=[], description="F&B pre-ordered with the tickets, at its price then")
    total_amount: int = Field(description="Seats plus F&B")
    fnb_amount: int = Field(description="The F&B part of totalAmount")
    discount: int
    points_amount: int = Field(default=0, description="What loyalty points paid")
    final_amount: int = Field(description="What money pays: totalAmount − discount − pointsAmount")
    status: str
    payment_status: str
    payment_method: str | None
    voucher_code: str | None
    qr_code: str | None = Field(description="The ticket code the QR image carries (once confirmed)")
    expires_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    checked_in_at: datetime | None
    created_at: datetime


class ValidateTicketRequest(ApiModel):
    qr_code: str = Field(min_length=10, max_length=200)
    showtime_id: uuid.UUID = Field(description="The showtime being admitted at this door")


class AdmissionPublic(ApiModel):
    booking_id: uuid.UUID
    seats: list[str]
    id_check: bool = Field(description="T16/T18 film: check the guest's age")


class CheckoutRequest(BaseModel):
    requester: Requester
    voucher_code: str | None
    payment_method: PaymentMethod
    fnb_items: list[OrderLine] = []
    points_to_redeem: int = 0
    # A payment taken at the counter (POST /api/payments/counter): the amount staff took, which must be the
    # hold's, and the receipt or card-slip number.
    expected_amount: int | None = None
    reference: str | None = None


class CheckoutView(ApiModel):
    """The answer to checkout: the totals and where to pay."""

    booking_id: uuid.UUID
    total_amount: int = Field(description="Seats plus F&B")
    fnb_amount: int = 0
    discount: int
    points_amount: int = Field(default=0, description="What loyalty points pay")
    final_amount: int
    payment_method: PaymentMethod
    payment_id: uuid.UUID | None = Field(description="None when there is nothing to pay (finalAmount 0)")
    payment_url: str | None
    expires_at: datetime
    state: SagaState


class CheckoutBody(ApiModel):
    booking_id: uuid.UUID
    voucher_code: str | None = Field(default=None, min_length=1, max_length=40)
    payment_method: PaymentMethod
    fnb_items: OrderLines = Field(default=[], description="F&B to collect at the counter with the ticket: "
                                                          "[{itemId | comboId, quantity}], at most 20 lines")
    points_to_redeem: int = Field(default=0, ge=0, le=1_000_000, description=(
        "Loyalty points to pay with: 1 point = 1,000 VND, at most 50% of what is left after the voucher"))


class CancelRequest(BaseModel):
    """Who cancels and how: the policy decides, unless staff override the refund with a reason."""

    requester: Requester
    reason: str | None = None
    override_percent: int | None = None
    # Set when the payment was refunded in full by itself (a Manager at POST /api/payments/{id}/refund): the
    # booking is cancelled with nothing more to refund, and this is what went back.
    refunded_already: int | None = None


class CancellationInput(BaseModel):
    booking_id: uuid.UUID
    request: CancelRequest | None = None  # set: cancel at once, nobody waits on the `cancel` update
    payment_queue: str = "cinema-payments"


class ShowtimeRefundsInput(BaseModel):
    showtime_id: uuid.UUID
    booking_ids: list[uuid.UUID]
    cancelled_by: uuid.UUID
    reason: str
    payment_queue: str = "cinema-payments"


class CancellationPlan(ApiModel):
    booking_id: uuid.UUID
    user_id: uuid.UUID
    showtime_id: uuid.UUID
    paid: int
    refund_percent: int
    refund_amount: int  # what this cancellation refunds
    rule: str
    refunded_already: int = 0  # what a refund of the payment itself returned before the cancellation


class CancelBody(ApiModel):
    reason: str | None = Field(default=None, max_length=300)
    refund_percent: int | None = Field(default=None, ge=0, le=100,
                                       description="Staff only: override the policy's refund (needs a reason)")


class PlanCancellationInput(BaseModel):
    booking_id: uuid.UUID
    request: CancelRequest


class CancelBookingInput(BaseModel):
    plan: CancellationPlan
    reason: str


class StuckRefund(ApiModel):
    workflow_id: str
    refund_id: uuid.UUID | None = Field(description="Retry it by this id; null for refunds started before refunds "
                                                    "had their own workflow id (`refund-{bookingId}`): retry those "
                                                    "by bookingId")
    booking_id: str | None
    since: datetime
