"""Read side of the payments context: one payment, history, the methods open now, return-URL display."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.payments import service
from domain.payments.errors import NotYourPayment
from domain.payments.gateway import Notice
from domain.payments.models import Payment, PaymentMethod, Refund
from domain.payments.repository import PaymentsRepository
from domain.payments.schemas import MethodAvailability, PaymentPublic, PaymentQuery, RefundPublic, VerifyResult
from domain.shared.roles import Role
from domain.shared.schemas import Page


async def verify_return(session: AsyncSession, gateways: service.Gateways, *, method: PaymentMethod,
                        params: Mapping[str, str]) -> tuple[Notice, VerifyResult]:
    """Check a return redirect's signature and show it beside our record. Display only: never settles."""
    notice = service.gateway_for(gateways, method).parse_return(params)
    payment = None
    if notice.signature_valid and notice.order_ref:
        payment = await PaymentsRepository(session).payment_by_order_ref(notice.order_ref)
    result = notice.result if notice.signature_valid else None
    message = ("The signature does not match: do not trust these parameters." if not notice.signature_valid
               else "Display only: the payment's status comes from the gateway's IPN.")
    return notice, VerifyResult(valid=notice.signature_valid, method=method, order_ref=notice.order_ref,
                                gateway_result=result.state.value if result else None,
                                amount=result.amount if result else None,
                                payment_id=payment.id if payment else None,
                                status=payment.status if payment else None, message=message)


async def get_payment(session: AsyncSession, *, payment_id: uuid.UUID) -> PaymentPublic:
    repo = PaymentsRepository(session)
    payment = await service.payment_or_404(repo, payment_id)
    return to_public(payment, await repo.refunds_of([payment.id]))


async def history(session: AsyncSession, *, query: PaymentQuery, viewer_id: uuid.UUID,
                  viewer_role: Role) -> Page[PaymentPublic]:
    """Payments newest first: a customer's own only; staff see all, filtered."""
    if not viewer_role.at_least(Role.STAFF):
        if query.user_id not in (None, viewer_id):
            raise NotYourPayment("Customers see their own payments only.")
        query = query.model_copy(update={"user_id": viewer_id})
    repo = PaymentsRepository(session)
    payments, total = await repo.payments(query)
    refunds = await repo.refunds_of([p.id for p in payments])
    return Page[PaymentPublic](items=[to_public(p, [r for r in refunds if r.payment_id == p.id]) for p in payments],
                               total=total, page=query.page, page_size=query.page_size)


async def methods(gateways: service.Gateways) -> list[MethodAvailability]:
    """The methods this server takes and whether each can be used now: the counter's always, a gateway's
    when it is configured (one without credentials is absent), unless its circuit breaker is open."""
    listed = []
    for method in PaymentMethod:
        if not method.online:
            listed.append(MethodAvailability(method=method, online=False, available=True))
            continue
        if (gateway := gateways.get(method)) is None:
            continue
        availability = await gateway.availability()
        listed.append(MethodAvailability(method=method, online=True, available=availability.available,
                                         retry_after_seconds=availability.retry_after, reason=availability.reason))
    return listed


def to_public(payment: Payment, refunds: list[Refund]) -> PaymentPublic:
    data = PaymentPublic.model_validate(payment, from_attributes=True)
    data.refunds = [RefundPublic.model_validate(r, from_attributes=True) for r in refunds]
    return data
