"""ZaloPay: the protocol (pure: signatures, parameters, codes), the adapter that speaks it over the shared
transport, and the local simulator that answers it under /sandbox/zalopay."""

from domain.payments.models import PaymentMethod
from infra.gateways.provider import Provider
from infra.gateways.zalopay.adapter import ZalopayGateway
from infra.gateways.zalopay.simulator import router

PROVIDER = Provider(name="zalopay", method=PaymentMethod.ZALOPAY, adapter=ZalopayGateway, simulator=router)
