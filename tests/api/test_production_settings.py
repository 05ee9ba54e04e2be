"""Outside development and test the server refuses weak secrets and enabled gateways on the public sandbox
keys or our simulators; a gateway without credentials is disabled and not offered (issue 11, item 2).

The reproduction: a VNPay IPN signed with the documented sandbox secret, sent to an API running with
CINEMA_ENV=production on the same database, must not confirm the pending payment it names."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from domain.payments.models import PaymentStatus
from domain.shared.roles import Role
from infra.db import SessionMaker
from infra.gateways.settings import PaymentSettings, payment_settings
from infra.secret_strength import weakness
from infra.settings import Settings
from tests.api.test_payments_gateways import send_ipn, signed_ipn
from tests.conftest import in_process_api
from tests.payments_support import AMOUNT, open_payment, payment_row

pytestmark = pytest.mark.usefixtures("worker")

STRONG = {"jwt_secret": secrets.token_urlsafe(32), "ticket_secret": secrets.token_urlsafe(32),
          "metrics_token": secrets.token_urlsafe(32)}
REAL_MOMO = {"endpoint": "https://payment.momo.vn", "partner_code": "MOMOCINEMA2024",
             "access_key": "a" + secrets.token_hex(8), "secret_key": secrets.token_urlsafe(24)}


def production(**values: Any) -> Settings:
    return Settings(_env_file=None, env="production", **values)  # type: ignore[call-arg]


def refusal(**values: Any) -> str:
    with pytest.raises(ValueError, match="Refusing to run with CINEMA_ENV=production") as refused:
        production(**values)
    return str(refused.value)


class TestSecrets:
    @pytest.mark.parametrize("weak", ["a" * 64, "password" * 4, secrets.token_urlsafe(16), "0123456789" * 3,
                                      "dev-only-change-me-0123456789abcdef0123456789abcdef"])
    def test_a_weak_jwt_or_ticket_secret_refuses_to_start(self, weak: str) -> None:
        assert "CINEMA_JWT_SECRET must be a strong secret" in refusal(**{**STRONG, "jwt_secret": weak})
        assert "CINEMA_TICKET_SECRET must be a strong secret" in refusal(**{**STRONG, "ticket_secret": weak})
        assert "CINEMA_METRICS_TOKEN must be a strong secret" in refusal(**{**STRONG, "metrics_token": weak})

    def test_metrics_need_a_token_outside_development(self) -> None:
        assert "CINEMA_METRICS_TOKEN must be a strong secret" in refusal(**{**STRONG, "metrics_token": None})

    def test_random_secrets_are_strong(self) -> None:
        assert weakness(secrets.token_urlsafe(32)) is None and weakness(secrets.token_hex(32)) is None
        assert production(**STRONG).env == "production"

    def test_development_keeps_its_defaults(self) -> None:
        assert Settings(_env_file=None, env="development").env == "development"  # type: ignore[call-arg]


class TestGateways:
    def test_with_no_gateway_settings_every_gateway_is_disabled(self) -> None:
        settings = production(**STRONG)
        assert not any(gateway.configured for gateway in payment_settings(settings).gateways().values())

    def test_an_enabled_gateway_on_the_sandbox_keys_refuses_to_start(self) -> None:
        text = refusal(**STRONG, payments={"momo": {"endpoint": "https://test-payment.momo.vn"}})
        assert "CINEMA_PAYMENTS__MOMO__SECRET_KEY is the public sandbox value" in text
        assert "CINEMA_PAYMENTS__MOMO__ACCESS_KEY is the public sandbox value" in text

    def test_an_endpoint_at_the_simulator_refuses_to_start(self) -> None:
        text = refusal(**STRONG, payments={"momo": {**REAL_MOMO, "endpoint": "https://cinema.example/sandbox/momo"}})
        assert "CINEMA_PAYMENTS__MOMO__ENDPOINT points at the local simulator" in text
        assert "sandbox value" not in text and REAL_MOMO["secret_key"] not in text  # names, never the secrets

    def test_an_endpoint_without_tls_refuses_to_start(self) -> None:
        text = refusal(**STRONG, payments={"momo": {**REAL_MOMO, "endpoint": "http://payment.momo.vn"}})
        assert "CINEMA_PAYMENTS__MOMO__ENDPOINT must be an https URL" in text

    def test_a_gateway_with_its_own_credentials_is_enabled(self) -> None:
        settings = production(**STRONG, payments={"momo": REAL_MOMO})
        enabled = {name for name, gateway in payment_settings(settings).gateways().items() if gateway.configured}
        assert enabled == {"momo"}

    def test_a_gateway_without_a_credential_is_disabled(self) -> None:
        payments = PaymentSettings.model_validate({"momo": {**REAL_MOMO, "secret_key": ""}})
        assert not payments.momo.configured and payments.production_refusals() == []


async def test_a_sandbox_signed_ipn_confirms_nothing_in_production(
        client: httpx.AsyncClient, settings: Settings, make_user: Any, sessionmaker: SessionMaker) -> None:
    staff = await make_user(Role.STAFF)
    payment = await open_payment(client, staff.headers, "VNPay")  # pending, on the development API
    ipn = signed_ipn(settings, "VNPay", order_ref=payment["orderRef"], amount=AMOUNT)
    async with in_process_api(settings.model_copy(update={"env": "production", **STRONG})) as production_api:
        answer = await send_ipn(production_api, "VNPay", ipn)
        methods = (await production_api.get("/api/payments/methods")).json()
        simulator = await production_api.get("/sandbox/faults")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "NOT_FOUND", answer.text
    assert (await payment_row(sessionmaker, payment["id"])).status is PaymentStatus.PENDING
    assert [m["method"] for m in methods] == ["Cash", "Card"]  # no gateway is configured: none is offered
    assert simulator.status_code == 404
