"""Build the gateways once per process: one adapter per registered, configured provider, all sharing the
process's HTTP client, each with its own circuit breaker (infra/gateways/registry.py lists them)."""

from __future__ import annotations

from datetime import timedelta

import httpx
from redis.asyncio import Redis

from domain.payments.gateway import PaymentGateway
from domain.payments.models import PaymentMethod
from infra.gateways.breaker import CircuitBreaker
from infra.gateways.journal import Journal
from infra.gateways.registry import PROVIDERS
from infra.gateways.settings import GatewayCallSettings, PaymentSettings, payment_settings
from infra.gateways.transport import GatewayTransport

__all__ = ["breaker_for", "build_gateways", "payment_settings"]


def breaker_for(method: PaymentMethod, settings: PaymentSettings, redis: Redis,
                call: GatewayCallSettings) -> CircuitBreaker:
    b = settings.breaker
    return CircuitBreaker(redis, method.value.lower(), failures=b.failures, window=b.window, cooldown=b.cooldown,
                          trial_timeout=call.timeout + timedelta(seconds=1))


def build_gateways(settings: PaymentSettings, *, redis: Redis, journal: Journal,
                   http: httpx.AsyncClient | None = None) -> dict[PaymentMethod, PaymentGateway]:
    """Gateways whose endpoints are known (set, or the sandbox's); `settings` must be resolved. `http` is the
    process's client (the API lifespan's, the worker's); without one, these gateways share a new one."""
    http = http or httpx.AsyncClient()
    gateways: dict[PaymentMethod, PaymentGateway] = {}
    for provider in PROVIDERS:
        call = settings.gateways()[provider.name]
        if call.configured:
            transport = GatewayTransport(method=provider.method, breaker=breaker_for(provider.method, settings, redis,
                                                                                     call), journal=journal,
                                         call=call, http=http)
            gateways[provider.method] = provider.adapter(call, transport)
    return gateways
