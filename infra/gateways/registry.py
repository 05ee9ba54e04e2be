"""The payment providers this server knows. A new provider is one folder (protocol, adapter, simulator,
and its PROVIDER) plus one line here and its settings field in PaymentSettings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from infra.gateways import momo, vnpay, zalopay
from infra.gateways.provider import Provider
from infra.gateways.sandbox.control import control_router

PROVIDERS: tuple[Provider, ...] = (
    vnpay.PROVIDER,
    momo.PROVIDER,
    zalopay.PROVIDER,
)


def sandbox_router(*, admin: Any) -> APIRouter:
    """Every provider's simulator (open, like the gateways) and the fault switches (behind `admin`, the
    dependency admitting Admins only), under /sandbox."""
    router = APIRouter(prefix="/sandbox", tags=["sandbox"])
    for provider in PROVIDERS:
        router.include_router(provider.simulator)
    router.include_router(control_router([p.name for p in PROVIDERS], admin))
    return router
