"""Routes of the booking service: the API edge of BookingWorkflow (one Temporal round trip each)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api import sagas
from api.deps import CurrentUser, ManagerUser, RedisDep, SessionDep, SettingsDep, StaffUser, TemporalDep
from api.routes.showtimes import RulesDep
from api.sagas import saga_errors, update_saga
from domain.bookings import service as bookings_service
from domain.bookings.checkin import EntryWindow
from domain.bookings.models import Booking, BookingSeat
from domain.bookings.schemas import (
    AdmissionPublic,
    BookingInput,
    BookingPublic,
    CancelBody,
    CancellationPlan,
    CancelRequest,
    CheckoutBody,
    CheckoutRequest,
    CheckoutView,
    HoldView,
    LockSeatsRequest,
    Requester,
    StuckRefund,
    ValidateTicketRequest,
)
from domain.contracts.saga_states import SagaState
from domain.contracts.workflow_ids import refund_workflow_id
from domain.fnb.schemas import SoldLine
from domain.shared.errors import Forbidden, NotFound
from domain.shared.roles import Role
from domain.shared.schemas import Page, PageParams
from domain.shared.time import utcnow
from domain.showtimes.schemas import SeatLine
from infra.qr import qr_svg
from workflows.booking import BookingWorkflow
from workflows.refund import RefundWorkflow
from workflows.search_attributes import BOOKING_ID

router = APIRouter(prefix="/bookings", tags=["bookings"])

BookingId = Annotated[uuid.UUID, Path(alias="id", description="The booking's id (from lock-seats)")]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=100,
                                              description="Repeat a request safely: the same key, the same answer")]


def workflow_id(booking_id: uuid.UUID) -> str:
    return f"booking-{booking_id}"


@router.post("/lock-seats", status_code=status.HTTP_201_CREATED, response_model=HoldView,
             summary="Hold seats for 15 minutes; 409 names the seats already taken",
             responses={409: {"description": "Seats taken (SEATS_UNAVAILABLE), a lone seat left (ORPHAN_SEAT), "
                                             "too many live holds (HOLD_LIMIT_REACHED), this Idempotency-Key's "
                                             "hold is live (HOLD_ALREADY_MADE) or has ended (HOLD_ENDED), or a "
                                             "flash sale's quota or your limit is short (FLASH_SALE_SOLD_OUT, "
                                             "FLASH_SALE_LIMIT_REACHED: nothing is held)"},
                        429: {"description": "Too many lock attempts (RATE_LIMITED), with Retry-After"}})
async def lock_seats(body: LockSeatsRequest, request: Request, user: CurrentUser, temporal: TemporalDep,
                     settings: SettingsDep, redis: RedisDep, rules: RulesDep,
                     idempotency_key: IdempotencyKey = None) -> HoldView:
    """Claims the seats (all or none) and starts the booking saga only when they are held."""
    booking_id = (uuid.uuid5(uuid.NAMESPACE_URL, f"cinema:lock:{user.user_id}:{idempotency_key}")
                  if idempotency_key else uuid.uuid4())
    booking = BookingInput(booking_id=booking_id, user_id=user.user_id, showtime_id=body.showtime_id,
                           hold_seconds=settings.seat_hold_seconds, max_seats=settings.max_seats_per_booking,
                           orphan_rule=settings.orphan_seat_rule)
    limits = sagas.hold_limits(settings, user.role)
    if not limits.unlimited:
        await sagas.lock_rate_limit(settings).take(redis, str(user.user_id))
    return await sagas.hold_seats(temporal, request.state.sessionmaker, redis, booking=booking,
                                  seat_ids=body.seat_ids, policy=rules.policy, limits=limits,
                                  keyed=idempotency_key is not None, accept_regular_price=body.accept_regular_price)


@router.delete("/{id}/hold", status_code=status.HTTP_204_NO_CONTENT,
               summary="Give held seats back before paying (the owner, or Staff)")
async def release_hold(booking_id: BookingId, user: CurrentUser, temporal: TemporalDep) -> None:
    handle = temporal.get_workflow_handle_for(BookingWorkflow.run, workflow_id(booking_id))
    await update_saga(handle, BookingWorkflow.release_hold,
                      Requester(user_id=user.user_id, is_staff=user.role.at_least(Role.STAFF)))


def _public(booking: Booking, seats: list[BookingSeat], fnb: list[SoldLine]) -> BookingPublic:
    lines = [SeatLine(seat_id=s.seat_id, row=s.row, number=s.number, type=s.seat_type, price=s.price) for s in seats]
    return BookingPublic.model_validate({**booking.model_dump(), "seats": lines, "fnb_items": fnb})


@router.get("/my-bookings", response_model=Page[BookingPublic], summary="Your bookings, newest first")
async def my_bookings(user: CurrentUser, session: SessionDep,
                      page: Annotated[PageParams, Query()]) -> Page[BookingPublic]:
    rows, total = await bookings_service.of_user(session, user_id=user.user_id, offset=page.offset,
                                                 limit=page.page_size)
    fnb = await bookings_service.fnb_lines(session, booking_ids=[b.id for b, _ in rows])
    return Page[BookingPublic](items=[_public(b, s, fnb[b.id]) for b, s in rows], total=total, page=page.page,
                               page_size=page.page_size)


@router.get("/{id}", response_model=BookingPublic, summary="One booking (its owner, or Staff)")
async def read_booking(booking_id: BookingId, user: CurrentUser, session: SessionDep) -> BookingPublic:
    booking, seats = await bookings_service.get(session, booking_id=booking_id, viewer=user.user_id,
                                                staff=user.role.at_least(Role.STAFF))
    fnb = await bookings_service.fnb_lines(session, booking_ids=[booking.id])
    return _public(booking, seats, fnb[booking.id])


@router.get("/{id}/ticket.svg", response_class=Response, summary="The QR ticket as an SVG image",
            responses={200: {"content": {"image/svg+xml": {}}}})
async def ticket_image(booking_id: BookingId, user: CurrentUser, session: SessionDep) -> Response:
    booking, _ = await bookings_service.get(session, booking_id=booking_id, viewer=user.user_id,
                                            staff=user.role.at_least(Role.STAFF))
    if not booking.qr_code:
        raise NotFound("This booking has no ticket yet (it is not confirmed).")
    return Response(qr_svg(booking.qr_code), media_type="image/svg+xml")


@router.post("/{id}/validate", response_model=AdmissionPublic,
             summary="Check a ticket in at the door (Staff): valid once, for its showtime, in the entry window")
async def validate_ticket(booking_id: BookingId, body: ValidateTicketRequest, staff: StaffUser,
                          session: SessionDep, settings: SettingsDep) -> AdmissionPublic:
    admission = await bookings_service.validate_ticket(
        session, booking_id=booking_id, code=body.qr_code, showtime_id=body.showtime_id,
        secret=settings.ticket_secret.get_secret_value(), now=utcnow(),
        window=EntryWindow(before=settings.entry_opens_before, after=settings.entry_closes_after))
    return AdmissionPublic(booking_id=admission.booking_id, seats=admission.seats, id_check=admission.id_check)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CheckoutView,
             summary="Check out a hold: voucher, booking, payment; answers with the totals and the payment URL")
async def checkout(body: CheckoutBody, user: CurrentUser, temporal: TemporalDep) -> CheckoutView:
    """Counter payments (Cash, Card) are recorded by Staff; customers pay online (VNPay, MoMo, ZaloPay)."""
    is_staff = user.role.at_least(Role.STAFF)
    if not body.payment_method.online and not is_staff:
        raise Forbidden("Cash and card payments are taken at the counter by staff.")
    handle = temporal.get_workflow_handle_for(BookingWorkflow.run, workflow_id(body.booking_id))
    request = CheckoutRequest(requester=Requester(user_id=user.user_id, is_staff=is_staff),
                              voucher_code=body.voucher_code, payment_method=body.payment_method,
                              fnb_items=body.fnb_items, points_to_redeem=body.points_to_redeem)
    return await update_saga(handle, BookingWorkflow.checkout, request)  # type: ignore[no-any-return]


@router.put("/{id}/cancel", response_model=CancellationPlan,
            summary="Cancel a paid booking by the policy (100% ≥24 h before, 50% ≥2 h, else 0); Staff may override")
async def cancel(booking_id: BookingId, user: CurrentUser, temporal: TemporalDep,
                 body: CancelBody | None = None) -> CancellationPlan:
    """Answers with the refund decided; the refund itself, points and mail follow in the CancellationWorkflow.

    The body is optional: a customer cancelling by the policy has nothing to say."""
    body = body or CancelBody()
    request = CancelRequest(requester=Requester(user_id=user.user_id, is_staff=user.role.at_least(Role.STAFF)),
                            reason=body.reason, override_percent=body.refund_percent)
    return await sagas.cancel_booking(temporal, booking_id=booking_id, request=request)


RefundOrBookingId = Annotated[uuid.UUID, Path(alias="id", description=(
    "The refund's id (`refundId` in /refunds/stuck), or its booking's id: every escalated refund of it"))]
ESCALATED_REFUNDS = (f'WorkflowType = "RefundWorkflow" AND SagaState = "{SagaState.REFUND_ESCALATED}" '
                     'AND ExecutionStatus = "Running"')


def refund_id_of(workflow_id: str, booking_id: str | None) -> uuid.UUID | None:
    """The refund id in `refund-{refundId}`; None for the older `refund-{bookingId}` workflows."""
    try:
        refund_id = uuid.UUID(workflow_id[-36:])
    except ValueError:
        return None
    return None if refund_workflow_id(refund_id) != workflow_id or str(refund_id) == booking_id else refund_id


@router.get("/refunds/stuck", response_model=list[StuckRefund],
            summary="Refunds the gateway refused or left pending: they wait for a Manager (Temporal visibility)")
async def stuck_refunds(manager: ManagerUser, temporal: TemporalDep) -> list[StuckRefund]:
    stuck = []
    async for w in temporal.list_workflows(ESCALATED_REFUNDS, limit=200):
        booking_id = w.typed_search_attributes.get(BOOKING_ID)
        stuck.append(StuckRefund(workflow_id=w.id, refund_id=refund_id_of(w.id, booking_id), booking_id=booking_id,
                                 since=w.start_time))
    return stuck


async def signal_retry(temporal: Client, workflow_id: str) -> bool:
    """Ask one RefundWorkflow to try again; False when it is not running."""
    try:
        await temporal.get_workflow_handle_for(RefundWorkflow.run, workflow_id).signal(RefundWorkflow.retry)
    except RPCError as e:
        if e.status is RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


@router.post("/refunds/{id}/retry", status_code=status.HTTP_202_ACCEPTED,
             summary="Try an escalated refund again (Manager): by its refund id, or all of a booking's",
             responses={404: {"description": "No running refund with this id, nor an escalated one of this booking"}})
async def retry_refund(refund_or_booking_id: RefundOrBookingId, manager: ManagerUser, temporal: TemporalDep) -> None:
    """`refund-{id}` first (a refund id, or an older refund keyed by its booking); else the booking's escalated
    RefundWorkflows, found through visibility."""
    async with saga_errors():  # Temporal not answering: 503
        if await signal_retry(temporal, refund_workflow_id(refund_or_booking_id)):
            return
        query = f'{ESCALATED_REFUNDS} AND BookingId = "{refund_or_booking_id}"'
        retried = [await signal_retry(temporal, w.id) async for w in temporal.list_workflows(query, limit=200)]
    if not any(retried):
        raise NotFound("No running refund with this id, nor an escalated refund of this booking.")
