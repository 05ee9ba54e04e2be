"""Payment-gateway settings: credentials, endpoints, timeouts, retries, the circuit breaker, the sandbox.

Every default is a documented sandbox credential (spec §1.1, §2.1, §3.1) pointing at our own local
simulators under `{public_base_url}/sandbox/...`. Setting an endpoint switches a gateway to that host with
no code change, e.g. `CINEMA_PAYMENTS__MOMO__ENDPOINT=https://test-payment.momo.vn`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr

if TYPE_CHECKING:
    from infra.settings import Settings

DEVELOPMENT_ENVS = ("development", "test")


class GatewayCallSettings(BaseModel):
    """How one gateway is called: per-attempt timeout, retries with exponential backoff."""

    credential_fields: ClassVar[tuple[str, ...]] = ()  # what the merchant is given by the gateway
    endpoint_fields: ClassVar[tuple[str, ...]] = ()  # where we call it

    timeout: timedelta = timedelta(seconds=15)
    retries: int = 2  # extra attempts after the first, only for calls that are safe to repeat
    backoff: timedelta = timedelta(milliseconds=200)  # doubled after each attempt, with jitter

    def defaults(self, *, simulator: str | None, webhook: str, return_url: str) -> dict[str, Any]:
        """The URL fields this gateway fills in when unset: its endpoints (the simulator's while the
        sandbox is on), our webhook and our return route."""
        raise NotImplementedError

    @property
    def configured(self) -> bool:
        """Whether its credentials and endpoints are known, so an adapter can be built (else disabled)."""
        return all(_value(getattr(self, name)) for name in (*self.credential_fields, *self.endpoint_fields))

    def production_refusals(self, name: str) -> list[str]:
        """Why this gateway, when enabled, must not run outside development: the public sandbox keys (anyone
        can sign a payment notice with them) or an endpoint at our own simulators."""
        if not self.configured:
            return []
        refusals = [f"CINEMA_PAYMENTS__{name.upper()}__{field.upper()} is the public sandbox value"
                    for field in self.credential_fields
                    if _value(getattr(self, field)) == _value(type(self).model_fields[field].default)]
        refusals += [f"CINEMA_PAYMENTS__{name.upper()}__{field.upper()} points at the local simulator"
                     for field in self.endpoint_fields if urlsplit(getattr(self, field)).path.startswith("/sandbox/")]
        # The gateways sign no query or refund answer: only TLS to the real host vouches for them.
        refusals += [f"CINEMA_PAYMENTS__{name.upper()}__{field.upper()} must be an https URL"
                     for field in self.endpoint_fields if urlsplit(getattr(self, field)).scheme != "https"]
        return refusals

    def resolved(self, *, simulator: str | None, webhook: str, return_url: str) -> Self:
        defaults = self.defaults(simulator=simulator, webhook=webhook, return_url=return_url)
        return self.model_copy(update={k: getattr(self, k) or v for k, v in defaults.items()})


class VnpaySettings(GatewayCallSettings):
    """VNPay 2.1.0. No public credential pair exists; the defaults are the spec's test-vector values."""

    tmn_code: str = "CINEMA01"
    hash_secret: SecretStr = SecretStr("CINEMATESTHASHSECRET000000000001")
    pay_url: str | None = None  # https://sandbox.vnpayment.vn/paymentv2/vpcpay.html
    api_url: str | None = None  # https://sandbox.vnpayment.vn/merchant_webapi/api/transaction
    # VNPay calls the IPN URL registered in its merchant portal; our simulator calls this one.
    ipn_url: str | None = None
    return_url: str | None = None
    server_ip: str = "127.0.0.1"  # vnp_IpAddr of our querydr and refund calls

    credential_fields = ("tmn_code", "hash_secret")
    endpoint_fields = ("pay_url", "api_url")

    def defaults(self, *, simulator: str | None, webhook: str, return_url: str) -> dict[str, Any]:
        return {"pay_url": simulator and f"{simulator}/paymentv2/vpcpay.html",
                "api_url": simulator and f"{simulator}/merchant_webapi/api/transaction",
                "ipn_url": webhook, "return_url": return_url}


class MomoSettings(GatewayCallSettings):
    """MoMo AIO v2 with the public sandbox keys of MoMo's own samples."""

    timeout: timedelta = timedelta(seconds=30)  # MoMo asks clients to wait at least 30 s
    partner_code: str = "MOMO"
    access_key: str = "F8BBA842ECF85"
    secret_key: SecretStr = SecretStr("K951B6PE1waDMi640xX08PD3vg6EkVlz")
    endpoint: str | None = None  # https://test-payment.momo.vn (paths /v2/gateway/api/... are appended)
    ipn_url: str | None = None
    return_url: str | None = None

    credential_fields = ("partner_code", "access_key", "secret_key")
    endpoint_fields = ("endpoint",)

    def defaults(self, *, simulator: str | None, webhook: str, return_url: str) -> dict[str, Any]:
        return {"endpoint": simulator, "ipn_url": webhook, "return_url": return_url}


class ZalopaySettings(GatewayCallSettings):
    """ZaloPay v2 with the public sandbox app 2553 (its key2 verifies the official callback sample)."""

    app_id: int = 2553
    key1: SecretStr = SecretStr("PcY4iZIKFCIdgZvA6ueMcMHHUbRLYjPL")
    key2: SecretStr = SecretStr("kLtgPl8HHhfvMuDHPwKfgfsY4Ydm9eIz")
    endpoint: str | None = None  # https://sb-openapi.zalopay.vn (paths /v2/... are appended)
    callback_url: str | None = None
    return_url: str | None = None

    credential_fields = ("app_id", "key1", "key2")
    endpoint_fields = ("endpoint",)

    def defaults(self, *, simulator: str | None, webhook: str, return_url: str) -> dict[str, Any]:
        return {"endpoint": simulator, "callback_url": webhook, "return_url": return_url}


class BreakerSettings(BaseModel):
    """The circuit breaker around each gateway; its state lives in Redis so every process agrees."""

    failures: int = 5  # failed calls within `window` that open the circuit
    window: timedelta = timedelta(seconds=60)
    cooldown: timedelta = timedelta(seconds=30)  # open this long, then one trial call decides


class SandboxSettings(BaseModel):
    """The local gateway simulators served by the API under /sandbox."""

    enabled: bool | None = None  # None or True: on in development and test; off elsewhere whatever it says
    ipn_retries: int = 2  # VNPay re-sends an IPN not answered 00/02 (about 10 times in 5-minute steps)
    ipn_retry_interval: timedelta = timedelta(seconds=2)
    zalopay_refund_processing: timedelta = timedelta(seconds=1)  # refunds answer 3 (processing) this long


class PaymentSettings(BaseModel):
    vnpay: VnpaySettings = VnpaySettings()
    momo: MomoSettings = MomoSettings()
    zalopay: ZalopaySettings = ZalopaySettings()
    breaker: BreakerSettings = BreakerSettings()
    sandbox: SandboxSettings = SandboxSettings()
    pay_ttl: timedelta = timedelta(minutes=15)  # how long a payment stays payable when no expiry is given
    refund_poll_interval: timedelta = timedelta(seconds=5)  # RefundWorkflow's first poll; doubles each time

    def sandbox_enabled(self, env: str) -> bool:
        """On in development and test unless switched off; never elsewhere, whatever sandbox.enabled says
        (the simulators accept the public sandbox keys and would confirm payments no one made)."""
        return env in DEVELOPMENT_ENVS and self.sandbox.enabled is not False

    def resolved(self, *, public_base_url: str, env: str) -> PaymentSettings:
        """A copy with every unset URL filled in: our webhooks and return routes, and, while the sandbox
        is on, the simulators' endpoints. With the sandbox off, a gateway without endpoints is unavailable."""
        base = public_base_url.rstrip("/")
        sim = f"{base}/sandbox" if self.sandbox_enabled(env) else None
        api = f"{base}/api/payments"
        return self.model_copy(update={name: gateway.resolved(
            simulator=sim and f"{sim}/{name}", webhook=f"{api}/webhook/{name}", return_url=f"{api}/return/{name}")
            for name, gateway in self.gateways().items()})

    def gateways(self) -> dict[str, GatewayCallSettings]:
        """Each gateway's settings by its URL name (vnpay, momo, zalopay): the fields of that type."""
        return {name: value for name, value in self if isinstance(value, GatewayCallSettings)}

    def production_refusals(self) -> list[str]:
        """What keeps an enabled gateway from running outside development (empty: nothing)."""
        return [refusal for name, gateway in self.gateways().items() for refusal in gateway.production_refusals(name)]


def _value(setting: object) -> object:
    """A setting's plain value (a secret's text)."""
    return setting.get_secret_value() if isinstance(setting, SecretStr) else setting


def payment_settings(settings: Settings) -> PaymentSettings:
    """The payment settings with every default URL filled in (webhooks, returns, simulators)."""
    return settings.payments.resolved(public_base_url=settings.resolved_public_base_url, env=settings.env)
