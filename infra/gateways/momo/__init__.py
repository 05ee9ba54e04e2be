"""MoMo: the protocol (pure: signatures, parameters, codes), the adapter that speaks it over the shared
transport, and the local simulator that answers it under /sandbox/momo."""

from domain.payments.models import PaymentMethod
from infra.gateways.momo.adapter import MomoGateway
from infra.gateways.momo.simulator import router
from infra.gateways.provider import Provider

PROVIDER = Provider(name="momo", method=PaymentMethod.MOMO, adapter=MomoGateway, simulator=router)
