"""VNPay: the protocol (pure: signatures, parameters, codes), the adapter that speaks it over the shared
transport, and the local simulator that answers it under /sandbox/vnpay."""

from domain.payments.models import PaymentMethod
from infra.gateways.provider import Provider
from infra.gateways.vnpay.adapter import VnpayGateway
from infra.gateways.vnpay.simulator import router

PROVIDER = Provider(name="vnpay", method=PaymentMethod.VNPAY, adapter=VnpayGateway, simulator=router)
