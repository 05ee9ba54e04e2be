"""Local simulators of VNPay, MoMo and ZaloPay, served under /sandbox when the sandbox is on (by default in
development and test). They speak the gateways' own protocols (spec: ../shared/specs/payment-gateways.md):
signed pay pages, signed IPNs sent over HTTP to our webhooks, signed query and refund answers, and fault
switches (delay, dropped, doubled or late IPNs, 5xx) that tests use to reproduce real gateway behaviour."""

from fastapi import APIRouter

from api.sandbox import control, momo, vnpay, zalopay

router = APIRouter(prefix="/sandbox", tags=["sandbox"])
for part in (vnpay.router, momo.router, zalopay.router, control.router):
    router.include_router(part)
