"""Build the gateways from settings: one adapter per configured gateway, each with its breaker."""

from __future__ import annotations

from datetime import timedelta

from redis.asyncio import Redis

from domain.payments.gateway import PaymentGateway
from domain.payments.models import PaymentMethod
from infra.gateways.breaker import CircuitBreaker
from infra.gateways.journal import Journal
from infra.gateways.momo import MomoGateway
from infra.gateways.settings import GatewayCallSettings, PaymentSettings
from infra.gateways.transport import GatewayTransport
from infra.gateways.vnpay import VnpayGateway
from infra.gateways.zalopay import ZalopayGateway
from infra.settings import Settings


def payment_settings(settings: Settings) -> PaymentSettings:
    """The payment settings with every default URL filled in (webhooks, returns, simulators)."""
    return settings.payments.resolved(public_base_url=settings.resolved_public_base_url, env=settings.env)


def breaker_for(method: PaymentMethod, settings: PaymentSettings, redis: Redis,
                call: GatewayCallSettings) -> CircuitBreaker:
    b = settings.breaker
    return CircuitBreaker(redis, method.value.lower(), failures=b.failures, window=b.window, cooldown=b.cooldown,
                          trial_timeout=call.timeout + timedelta(seconds=1))


def build_gateways(settings: PaymentSettings, *, redis: Redis, journal: Journal) -> dict[PaymentMethod, PaymentGateway]:
    """Gateways whose endpoints are known (set, or the sandbox's); `settings` must be resolved."""

    def transport(method: PaymentMethod, call: GatewayCallSettings) -> GatewayTransport:
        return GatewayTransport(method=method, breaker=breaker_for(method, settings, redis, call), journal=journal,
                                call=call)

    gateways: dict[PaymentMethod, PaymentGateway] = {}
    if settings.vnpay.pay_url and settings.vnpay.api_url:
        gateways[PaymentMethod.VNPAY] = VnpayGateway(settings.vnpay, transport(PaymentMethod.VNPAY, settings.vnpay))
    if settings.momo.endpoint:
        gateways[PaymentMethod.MOMO] = MomoGateway(settings.momo, transport(PaymentMethod.MOMO, settings.momo))
    if settings.zalopay.endpoint:
        gateways[PaymentMethod.ZALOPAY] = ZalopayGateway(settings.zalopay,
                                                         transport(PaymentMethod.ZALOPAY, settings.zalopay))
    return gateways
