"""What a provider folder declares: its payment method, how to build its adapter, and its simulator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter

from domain.payments.gateway import PaymentGateway
from domain.payments.models import PaymentMethod
from infra.gateways.transport import GatewayTransport


@dataclass(frozen=True)
class Provider:
    name: str  # the settings field, the /sandbox/{name} and /api/payments/webhook/{name} segment
    method: PaymentMethod
    adapter: Callable[[Any, GatewayTransport], PaymentGateway]  # (its resolved settings, the shared transport)
    simulator: APIRouter  # served under /sandbox/{name} while the sandbox is on
