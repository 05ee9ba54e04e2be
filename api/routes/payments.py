"""Routes of the payment service (seed §7): online payments through VNPay, MoMo and ZaloPay, counter
payments, refunds, history, and the gateways' webhooks.

Webhooks are public and authenticated by the gateway's signature. The IPN is the source of truth; the
return URL only displays. Bookings pay through the booking checkout (the saga starts the payment with
the booking's amount); POST /create is the direct entry point.
"""

from __future__ import annotations

import logging
import uuid
from enum import StrEnum
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse

from api.deps import (
    CurrentUser,
    ManagerUser,
    PublicRoute,
    SessionDep,
    SettingsDep,
    StaffUser,
    TemporalDep,
)
from api.sagas import update_saga
from domain.bookings.schemas import CheckoutRequest, CheckoutView, Requester
from domain.contracts.workflow_ids import booking_workflow_id
from domain.payments import calls as payments_calls
from domain.payments import queries as payments_queries
from domain.payments import service as payments_service
from domain.payments.errors import NotYourPayment
from domain.payments.gateway import NoticeOutcome
from domain.payments.models import PaymentMethod
from domain.payments.schemas import (
    CounterPaymentCreate,
    MethodAvailability,
    PaymentCreate,
    PaymentPublic,
    PaymentQuery,
    RefundCreate,
    RefundPublic,
    VerifyRequest,
    VerifyResult,
)
from domain.shared.errors import InvalidInput, NotFound
from domain.shared.roles import Role
from domain.shared.schemas import Page
from domain.shared.time import utcnow
from infra.db import unit_of_work
from infra.gateways.journal import MessageJournal, notice_message
from infra.gateways.registry import PROVIDERS
from workflows.booking import BookingWorkflow

log = logging.getLogger("cinema.payments")

PaymentId = Annotated[uuid.UUID, Path(alias="id", description="The payment's id")]


async def get_journal(request: Request) -> MessageJournal:
    return MessageJournal(request.state.sessionmaker)


JournalDep = Annotated[MessageJournal, Depends(get_journal)]


async def get_gateways(request: Request) -> payments_service.Gateways:
    """Built once by the lifespan, on the process's one HTTP client."""
    return request.state.gateways  # type: ignore[no-any-return]


GatewaysDep = Annotated[payments_service.Gateways, Depends(get_gateways)]


async def get_transaction(request: Request) -> payments_calls.Transaction:
    """Short units of work of their own, for routes that call a gateway between two of them."""
    sessionmaker = request.state.sessionmaker
    return lambda: unit_of_work(sessionmaker)


TransactionDep = Annotated[payments_calls.Transaction, Depends(get_transaction)]


# The gateways' path names (`/return/vnpay`, ...) come from the provider registry: nothing to add here for a
# new provider.
Gateway = StrEnum("Gateway", {provider.name.upper(): provider.name for provider in PROVIDERS})  # type: ignore[misc]
_METHOD_OF = {provider.name: provider.method for provider in PROVIDERS}


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "127.0.0.1"


router = APIRouter(prefix="/payments", tags=["payments"])
open_routes = APIRouter(route_class=PublicRoute)
user_routes = APIRouter()


@open_routes.get("/methods", response_model=list[MethodAvailability],
                 summary="Payment methods and whether each can be used now (an open circuit makes one unavailable)")
async def list_methods(gateways: GatewaysDep) -> list[MethodAvailability]:
    return await payments_queries.methods(gateways)


@user_routes.post("/create", status_code=status.HTTP_201_CREATED, response_model=PaymentPublic,
                  responses={200: {"description": "The booking's payment existed already (same request again)"},
                             409: {"description": "The booking has a payment with another method or amount"},
                             503: {"description": "The gateway is unavailable (circuit open or not answering)"}},
                  summary="Staff: open a gateway order by hand (apps pay through POST /api/bookings)")
async def create_payment(body: PaymentCreate, request: Request, response: Response, user: StaffUser,
                         transaction: TransactionDep, gateways: GatewaysDep, settings: SettingsDep) -> PaymentPublic:
    """Staff only: apps pay through the booking saga (`POST /api/bookings`), which takes the amount from the
    booking. This route is for staff opening a gateway order by hand; it is idempotent on the booking id."""
    payment, created = await payments_calls.start_online(
        transaction, gateways, booking_id=body.booking_id, user_id=user.user_id, amount=body.amount,
        method=body.method, client_ip=_client_ip(request), now=utcnow(), ttl=settings.payments.pay_ttl)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return payments_queries.to_public(payment, [])


@user_routes.post("/counter", status_code=status.HTTP_201_CREATED, response_model=PaymentPublic,
                  responses={200: {"description": "The same payment again"},
                             404: {"description": "No such booking"},
                             409: {"description": "Nothing held any more (NOT_HOLDING), not the hold's price "
                                                  "(AMOUNT_MISMATCH), or another payment exists (PAYMENT_EXISTS)"}},
                  summary="Record a cash or card payment taken at the counter for a held booking (Staff); "
                          "idempotent on the booking")
async def record_counter_payment(body: CounterPaymentCreate, response: Response, staff: StaffUser,
                                 session: SessionDep, temporal: TemporalDep) -> PaymentPublic:
    """The booking's saga records it as its checkout: only while the seats are held and only at the hold's
    price, so money is never recorded for a booking that does not exist, has lapsed, or costs otherwise."""
    again = await payments_service.counter_payment_again(session, booking_id=body.booking_id, amount=body.amount,
                                                         method=body.method)
    if again is not None:
        response.status_code = status.HTTP_200_OK
        return await payments_queries.get_payment(session, payment_id=again.id)
    handle = temporal.get_workflow_handle_for(BookingWorkflow.run, booking_workflow_id(body.booking_id))
    view: CheckoutView = await update_saga(handle, BookingWorkflow.checkout, CheckoutRequest(
        requester=Requester(user_id=staff.user_id, is_staff=True), voucher_code=None, payment_method=body.method,
        expected_amount=body.amount, reference=body.reference))
    if view.payment_id is None:  # the saga found nothing to pay (amounts are positive: not reached)
        raise NotFound("This booking has nothing to pay.")
    return await payments_queries.get_payment(session, payment_id=view.payment_id)


@user_routes.get("/history", response_model=Page[PaymentPublic],
                 summary="Payments, newest first: your own; Staff see everyone's, with filters")
async def payment_history(query: Annotated[PaymentQuery, Query()], user: CurrentUser,
                          session: SessionDep) -> Page[PaymentPublic]:
    return await payments_queries.history(session, query=query, viewer_id=user.user_id, viewer_role=user.role)


@user_routes.get("/{id}", response_model=PaymentPublic,
                 summary="One payment with its refunds (yours, or any for Staff)")
async def read_payment(payment_id: PaymentId, user: CurrentUser, session: SessionDep) -> PaymentPublic:
    payment = await payments_queries.get_payment(session, payment_id=payment_id)
    if payment.user_id != user.user_id and not user.role.at_least(Role.STAFF):
        raise NotYourPayment("This is not your payment.")
    return payment


@user_routes.post("/{id}/query", response_model=PaymentPublic,
                  summary="Ask the gateway about a pending payment now, as when its IPN seems lost (Staff)")
async def query_payment(payment_id: PaymentId, staff: StaffUser, session: SessionDep, transaction: TransactionDep,
                        gateways: GatewaysDep) -> PaymentPublic:
    await payments_calls.settle(transaction, gateways, payment_id=payment_id, give_up=False, now=utcnow())
    return await payments_queries.get_payment(session, payment_id=payment_id)


@user_routes.post("/{id}/refund", status_code=status.HTTP_201_CREATED, response_model=RefundPublic,
                  responses={200: {"description": "The same refund again (same idempotency key)"},
                             409: {"description": "Not refundable, more than is left, or the key was reused"}},
                  summary="Refund all or part of a payment (Manager); idempotent on Idempotency-Key or refundId")
async def refund_payment(payment_id: PaymentId, body: RefundCreate, response: Response, manager: ManagerUser,
                         transaction: TransactionDep, gateways: GatewaysDep,
                         idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)]
                         = None) -> RefundPublic:
    """Counter payments are refunded at once (cash or card handed back). A gateway refund is sent at once
    too; one still processing answers Approved (or Pending while the gateway is down), and its
    RefundWorkflow (started by event payment.refund.requested) finishes it."""
    key = idempotency_key or (str(body.refund_id) if body.refund_id else None)
    if not key:
        raise InvalidInput("Send an Idempotency-Key header or a refundId, so a retry never refunds twice.")
    async with transaction() as session:  # the refund exists before the gateway hears of it
        refund, created = await payments_service.request_refund(
            session, payment_id=payment_id, key=key, amount=body.amount, reason=body.reason,
            requested_by=manager.user_id, now=utcnow(), refund_id=None if idempotency_key else body.refund_id)
        if created:  # RefundWorkflow owns the refund from here, even if this request dies midway
            await payments_service.hand_over_unfinished(session, refund=refund)
    refund = await payments_calls.advance_refund(transaction, gateways, refund_id=refund.id, now=utcnow())
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return RefundPublic.model_validate(refund)


async def _verify(method: PaymentMethod, params: dict[str, str], session: SessionDep, gateways: GatewaysDep,
                  journal: MessageJournal) -> VerifyResult:
    notice, result = await payments_queries.verify_return(session, gateways, method=method, params=params)
    await journal.record(notice_message(method, notice, payment_id=result.payment_id,
                                        outcome="shown (display only)"))
    return result


@open_routes.post("/verify", response_model=VerifyResult,
                  summary="Check the return-URL parameters for the app (display only: the IPN decides)")
async def verify_return(body: VerifyRequest, session: SessionDep, gateways: GatewaysDep,
                        journal: JournalDep) -> VerifyResult:
    params = body.params if body.params is not None else dict(parse_qsl((body.query or "").removeprefix("?"),
                                                                       keep_blank_values=True))
    return await _verify(body.method, params, session, gateways, journal)


@open_routes.get("/return/{gateway}", response_model=VerifyResult,
                 summary="Where the gateway sends the browser back by default: the verification, as JSON")
async def return_url(gateway: Gateway, request: Request, session: SessionDep, gateways: GatewaysDep,
                     journal: JournalDep) -> VerifyResult:
    return await _verify(_METHOD_OF[gateway.value], dict(request.query_params), session, gateways, journal)


async def _webhook(method: PaymentMethod, request: Request, transaction: payments_calls.Transaction,
                   gateways: payments_service.Gateways, journal: MessageJournal) -> Response:
    """Verify, record (with its events: the saga hears of the payment, refunds start), answer in the
    gateway's own format."""
    gateway = gateways.get(method)
    if gateway is None:
        raise NotFound(f"{method.value} is not configured on this server.")
    notice = gateway.parse_ipn(query=request.url.query, body=await request.body())
    try:
        async with transaction() as session:  # committed before we answer, so the gateway stops resending
            settlement = await payments_service.receive_notice(session, method=method, notice=notice,
                                                               now=utcnow())
    except Exception:  # the gateway must get its own "try again" answer, not our error shape
        log.exception("%s notification for %s failed", method.value, notice.order_ref)
        settlement = payments_service.Settlement(NoticeOutcome.ERROR)
    reply = gateway.reply(settlement.outcome)
    await journal.record(notice_message(method, notice, payment_id=settlement.payment.id if settlement.payment
                                        else None, outcome=f"{settlement.outcome}: {reply.body or reply.status_code}"))
    if reply.body is None:
        return Response(status_code=reply.status_code)
    return JSONResponse(reply.body, status_code=reply.status_code)


@open_routes.get("/webhook/vnpay", response_model=None,
                 summary="VNPay IPN (GET with the signed parameters); answers {RspCode, Message}")
async def vnpay_webhook(request: Request, transaction: TransactionDep, gateways: GatewaysDep,
                        journal: JournalDep) -> Response:
    return await _webhook(PaymentMethod.VNPAY, request, transaction, gateways, journal)


@open_routes.post("/webhook/vnpay", response_model=None,
                  summary="VNPay IPN sent as POST (query string or form body); answers {RspCode, Message}")
async def vnpay_webhook_post(request: Request, transaction: TransactionDep, gateways: GatewaysDep,
                             journal: JournalDep) -> Response:
    return await _webhook(PaymentMethod.VNPAY, request, transaction, gateways, journal)


@open_routes.post("/webhook/momo", status_code=status.HTTP_204_NO_CONTENT, response_model=None,
                  summary="MoMo IPN (signed JSON); answers 204 No Content")
async def momo_webhook(request: Request, transaction: TransactionDep, gateways: GatewaysDep,
                       journal: JournalDep) -> Response:
    return await _webhook(PaymentMethod.MOMO, request, transaction, gateways, journal)


@open_routes.post("/webhook/zalopay", response_model=None,
                  summary="ZaloPay callback ({data, mac} signed with key2); answers {return_code, return_message}")
async def zalopay_webhook(request: Request, transaction: TransactionDep, gateways: GatewaysDep,
                          journal: JournalDep) -> Response:
    return await _webhook(PaymentMethod.ZALOPAY, request, transaction, gateways, journal)


router.include_router(open_routes)
router.include_router(user_routes)
