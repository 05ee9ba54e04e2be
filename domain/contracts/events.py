"""Every event topic, the service that owns it and its payload type; and the envelope (seed "Event-Driven
Architecture": `eventId`, `eventType`, `timestamp`, `version`, `data`, `metadata{correlationId, causationId}`).

An event is written to its service's outbox in the transaction of the change it describes
(domain/shared/outbox.py), then published to the Redis stream `events:<topic>` by the relay
(infra/events/relay.py). Payloads only grow: add optional fields, never rename or drop one; a breaking
change is a new topic or a new `version`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

EVENT_VERSION = "1.0"


class Topic(StrEnum):
    BOOKING_CREATED = "booking.created"
    BOOKING_CONFIRMED = "booking.confirmed"
    BOOKING_CANCELLED = "booking.cancelled"
    PAYMENT_INITIATED = "payment.initiated"
    PAYMENT_SUCCESS = "payment.success"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_REFUND_REQUESTED = "payment.refund.requested"
    PAYMENT_REFUNDED = "payment.refunded"
    NOTIFICATION_EMAIL = "notification.email"
    NOTIFICATION_SMS = "notification.sms"
    NOTIFICATION_PUSH = "notification.push"
    SAGA_STARTED = "saga.started"
    SAGA_STEP_COMPLETED = "saga.step.completed"
    SAGA_STEP_FAILED = "saga.step.failed"
    SAGA_COMPENSATING = "saga.compensating"
    SAGA_COMPLETED = "saga.completed"
    ANALYTICS_BOOKING = "analytics.booking"
    ANALYTICS_REVENUE = "analytics.revenue"
    SHOWTIME_SCHEDULED = "showtime.scheduled"
    SHOWTIME_RESCHEDULED = "showtime.rescheduled"
    SHOWTIME_CANCELLED = "showtime.cancelled"
    SHOWTIME_REPRICED = "showtime.repriced"
    MOVIE_PUBLISHED = "movie.published"
    MOVIE_UPDATED = "movie.updated"
    MOVIE_DELETED = "movie.deleted"
    USER_REGISTERED = "user.registered"
    PASSWORD_RESET_REQUESTED = "user.password_reset.requested"
    PASSWORD_RESET_ASKED = "user.password_reset.asked"
    REGISTRATION_REPEATED = "user.registration.repeated"
    USER_AVATAR_REPLACED = "user.avatar.replaced"
    FNB_STOCK_LOW = "fnb.stock.low"
    FNB_ORDER_SOLD = "fnb.order.sold"
    FNB_ORDER_RETURNED = "fnb.order.returned"
    PROMOTION_PUBLISHED = "promotion.published"
    LOYALTY_TIER_CHANGED = "loyalty.tier.changed"

    @property
    def stream(self) -> str:
        return f"events:{self.value}"


DEAD_LETTER_STREAM = "events:dead"


class EventModel(BaseModel):
    """camelCase on the wire, like the API (BRIEF §4); the contracts import nothing of the services."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


# Payloads ---------------------------------------------------------------------------------------------
class BookingCreated(EventModel):
    booking_id: uuid.UUID
    user_id: uuid.UUID
    showtime_id: uuid.UUID
    seat_ids: list[uuid.UUID]
    total_amount: int
    discount: int
    final_amount: int
    payment_method: str
    expires_at: datetime


class BookingConfirmed(EventModel):
    booking_id: uuid.UUID
    user_id: uuid.UUID
    showtime_id: uuid.UUID
    seat_ids: list[uuid.UUID]
    final_amount: int
    payment_id: uuid.UUID | None
    confirmed_at: datetime


class BookingCancelled(EventModel):
    """A booking ended without being used: Cancelled (by someone, or compensated) or Expired (hold ran out)."""

    booking_id: uuid.UUID
    user_id: uuid.UUID
    showtime_id: uuid.UUID
    status: str
    was_paid: bool
    refund_amount: int = 0
    reason: str | None = None
    cancelled_at: datetime


class PaymentInitiated(EventModel):
    payment_id: uuid.UUID
    booking_id: uuid.UUID
    user_id: uuid.UUID
    method: str
    amount: int
    expires_at: datetime | None = None


class PaymentSettled(EventModel):
    """payment.success and payment.failed: the IPN (or a query when none came) decided the payment."""

    payment_id: uuid.UUID
    booking_id: uuid.UUID
    user_id: uuid.UUID
    method: str
    status: str
    amount: int
    transaction_id: str | None = None
    settled_at: datetime


class RefundRequested(EventModel):
    """A recorded refund the gateway has not finished: RefundWorkflow `refund-{refundId}` takes it on."""

    refund_id: uuid.UUID
    payment_id: uuid.UUID
    booking_id: uuid.UUID
    amount: int
    reason: str
    # Why money goes back automatically (a wrong amount, a late payment); None: a person asked.
    flag: str | None = None


class PaymentRefunded(EventModel):
    refund_id: uuid.UUID
    payment_id: uuid.UUID
    booking_id: uuid.UUID
    amount: int
    refunded_at: datetime
    fully_refunded: bool = False  # nothing of the payment is left: its booking cannot stay a ticket
    # Whose money, what was paid and all that is refunded of it now (this refund included): promotions takes the
    # same share of the booking's points and spend back. None in events written before they were added.
    user_id: uuid.UUID | None = None
    paid_amount: int | None = None
    refunded_total: int | None = None


class EmailRequested(EventModel):
    to: str
    subject: str
    text: str
    html: str | None = None


class SmsRequested(EventModel):
    to: str
    text: str


class PushRequested(EventModel):
    user_id: uuid.UUID
    title: str
    body: str


class SagaStarted(EventModel):
    saga_id: uuid.UUID  # the booking id; the saga's workflow is booking-{sagaId}
    saga_type: str = "booking"
    user_id: uuid.UUID
    showtime_id: uuid.UUID


class SagaStepEvent(EventModel):
    """saga.step.completed / saga.step.failed / saga.compensating (a compensation that ran)."""

    saga_id: uuid.UUID
    saga_type: str = "booking"
    step: str
    service: str
    error: str | None = None


class SagaCompleted(EventModel):
    saga_id: uuid.UUID
    saga_type: str = "booking"
    outcome: str  # CONFIRMED, or why it was compensated (HOLD_EXPIRED, PAYMENT_FAILED, ...)


class AnalyticsBooking(EventModel):
    booking_id: uuid.UUID
    showtime_id: uuid.UUID
    user_id: uuid.UUID
    seats: int
    amount: int
    status: str
    at: datetime


class AnalyticsRevenue(EventModel):
    payment_id: uuid.UUID
    booking_id: uuid.UUID
    method: str
    amount: int  # negative for money given back
    at: datetime


class ShowtimeTimesChanged(EventModel):
    """showtime.scheduled / showtime.rescheduled: the lifecycle timers follow these times."""

    showtime_id: uuid.UUID
    movie_id: uuid.UUID
    theater_id: uuid.UUID
    start_time: datetime
    end_time: datetime


class ShowtimeRepriced(EventModel):
    """showtime.repriced: its base price or seat-type prices changed (the seat map shows new prices)."""

    showtime_id: uuid.UUID
    base_price: int


class ShowtimeCancelled(EventModel):
    """`bookingIds` are the paid bookings to cancel and refund in full."""

    showtime_id: uuid.UUID
    movie_id: uuid.UUID
    start_time: datetime
    cancelled_at: datetime
    cancelled_by: uuid.UUID
    reason: str | None = None
    held_seats: int = 0
    booked_seats: int = 0
    booking_ids: list[uuid.UUID] = Field(default_factory=list)


class MovieDatesChanged(EventModel):
    """movie.published / movie.updated: the movie lifecycle follows these dates."""

    movie_id: uuid.UUID
    title: str
    release_date: date
    end_date: date | None = None


class MovieDeleted(EventModel):
    movie_id: uuid.UUID


class UserRegistered(EventModel):
    """The verification mail's link is derived from this event's id (domain/auth/mails.py), never stored."""

    user_id: uuid.UUID
    email: str
    first_name: str | None = None


class PasswordResetRequested(EventModel):
    user_id: uuid.UUID
    email: str


class PasswordResetAsked(EventModel):
    """Someone asked for a reset link for this email, known or not: the auth service looks it up after the
    answer, so the answer (and its timing) says nothing about which emails have accounts."""

    email: str


class RegistrationRepeated(EventModel):
    """Someone signed up with the email of an existing account: its owner is told, the caller is not."""

    user_id: uuid.UUID
    email: str


class StockLow(EventModel):
    cinema_id: uuid.UUID
    item_id: uuid.UUID
    quantity: int
    threshold: int


class FnbLine(EventModel):
    """One line of an F&B order as sold: an item or a combo, its name and unit price then."""

    item_id: uuid.UUID | None = None
    combo_id: uuid.UUID | None = None
    name: str
    quantity: int
    unit_price: int


class FnbOrderSold(EventModel):
    """F&B left the stock as a sale: a paid pre-order (bookingId) or a counter sale (saleId)."""

    cinema_id: uuid.UUID
    booking_id: uuid.UUID | None = None
    sale_id: uuid.UUID | None = None
    lines: list[FnbLine]
    amount: int
    payment_method: str | None = None  # a counter sale's Cash or Card; a pre-order is paid with its booking
    sold_at: datetime


class FnbOrderReturned(EventModel):
    """A paid pre-order came back to stock: its booking was cancelled before pickup."""

    cinema_id: uuid.UUID
    booking_id: uuid.UUID
    amount: int
    returned_at: datetime


class PromotionPublished(EventModel):
    promotion_id: uuid.UUID
    title: str


class AvatarReplaced(EventModel):
    user_id: uuid.UUID
    old_key: str  # the storage key of the file no profile points at any more


class TierChanged(EventModel):
    user_id: uuid.UUID
    old_tier: str
    new_tier: str


# Which service writes a topic (its outbox, in its own schema) and what `data` holds.
TOPICS: dict[Topic, tuple[str, type[EventModel]]] = {
    Topic.BOOKING_CREATED: ("bookings", BookingCreated),
    Topic.BOOKING_CONFIRMED: ("bookings", BookingConfirmed),
    Topic.BOOKING_CANCELLED: ("bookings", BookingCancelled),
    Topic.PAYMENT_INITIATED: ("payments", PaymentInitiated),
    Topic.PAYMENT_SUCCESS: ("payments", PaymentSettled),
    Topic.PAYMENT_FAILED: ("payments", PaymentSettled),
    Topic.PAYMENT_REFUND_REQUESTED: ("payments", RefundRequested),
    Topic.PAYMENT_REFUNDED: ("payments", PaymentRefunded),
    Topic.NOTIFICATION_EMAIL: ("notifications", EmailRequested),
    Topic.NOTIFICATION_SMS: ("notifications", SmsRequested),
    Topic.NOTIFICATION_PUSH: ("notifications", PushRequested),
    # Saga events are written by the service whose step it is (the `service` argument of emit).
    Topic.SAGA_STARTED: ("bookings", SagaStarted),
    Topic.SAGA_STEP_COMPLETED: ("bookings", SagaStepEvent),
    Topic.SAGA_STEP_FAILED: ("bookings", SagaStepEvent),
    Topic.SAGA_COMPENSATING: ("bookings", SagaStepEvent),
    Topic.SAGA_COMPLETED: ("bookings", SagaCompleted),
    Topic.ANALYTICS_BOOKING: ("bookings", AnalyticsBooking),
    Topic.ANALYTICS_REVENUE: ("payments", AnalyticsRevenue),
    Topic.SHOWTIME_SCHEDULED: ("showtimes", ShowtimeTimesChanged),
    Topic.SHOWTIME_RESCHEDULED: ("showtimes", ShowtimeTimesChanged),
    Topic.SHOWTIME_CANCELLED: ("showtimes", ShowtimeCancelled),
    Topic.SHOWTIME_REPRICED: ("showtimes", ShowtimeRepriced),
    Topic.MOVIE_PUBLISHED: ("movies", MovieDatesChanged),
    Topic.MOVIE_UPDATED: ("movies", MovieDatesChanged),
    Topic.MOVIE_DELETED: ("movies", MovieDeleted),
    Topic.USER_REGISTERED: ("auth", UserRegistered),
    Topic.PASSWORD_RESET_REQUESTED: ("auth", PasswordResetRequested),
    Topic.PASSWORD_RESET_ASKED: ("auth", PasswordResetAsked),
    Topic.REGISTRATION_REPEATED: ("auth", RegistrationRepeated),
    Topic.USER_AVATAR_REPLACED: ("users", AvatarReplaced),
    Topic.FNB_STOCK_LOW: ("fnb", StockLow),
    Topic.FNB_ORDER_SOLD: ("fnb", FnbOrderSold),
    Topic.FNB_ORDER_RETURNED: ("fnb", FnbOrderReturned),
    Topic.PROMOTION_PUBLISHED: ("promotions", PromotionPublished),
    Topic.LOYALTY_TIER_CHANGED: ("promotions", TierChanged),
}


def owner(topic: Topic) -> str:
    return TOPICS[topic][0]


def payload_type(topic: Topic) -> type[EventModel]:
    return TOPICS[topic][1]


class EventMetadata(EventModel):
    correlation_id: str | None = None  # the saga/booking (or request) it belongs to
    causation_id: str | None = None  # the event or request id that caused it


class EventEnvelope(EventModel):
    event_id: uuid.UUID
    event_type: Topic
    timestamp: datetime
    version: str = EVENT_VERSION
    aggregate_id: str
    data: dict[str, object]
    metadata: EventMetadata = EventMetadata()

    def payload(self) -> EventModel:
        """`data` as the topic's payload type."""
        return payload_type(self.event_type).model_validate(self.data)
