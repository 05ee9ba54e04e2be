"""One typed settings object, read only at the edges (API app, worker, CLI)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from infra.gateways.settings import DEVELOPMENT_ENVS, PaymentSettings
from infra.loyalty_settings import LoyaltySettings
from infra.secret_strength import weakness

DEV_JWT_SECRET = "dev-only-change-me-0123456789abcdef0123456789abcdef"


class EmbeddedPorts(BaseModel):
    """Loopback ports of the embedded servers started by `cinema up` / `cinema stack`."""

    postgres: int = 55432
    redis: int = 56379
    temporal: int = 7233
    temporal_ui: int = 8233
    smtp: int = 1025
    mailbox: int = 8025


class OAuthProviderSettings(BaseModel):
    """An OAuth2 authorization-code provider; disabled while client_id is empty."""

    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    authorize_url: str = ""
    token_url: str = ""
    userinfo_url: str = ""
    scope: str = ""


class GoogleSettings(OAuthProviderSettings):
    authorize_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    token_url: str = "https://oauth2.googleapis.com/token"
    userinfo_url: str = "https://openidconnect.googleapis.com/v1/userinfo"
    scope: str = "openid email profile"


class FacebookSettings(OAuthProviderSettings):
    authorize_url: str = "https://www.facebook.com/v19.0/dialog/oauth"
    token_url: str = "https://graph.facebook.com/v19.0/oauth/access_token"
    userinfo_url: str = "https://graph.facebook.com/me?fields=id,email,first_name,last_name"
    scope: str = "email,public_profile"


class ShowtimeSettings(BaseModel):
    """Scheduling and pricing of showtimes (the rules and their defaults: domain/showtimes/pricing.py)."""

    cleaning_gap_minutes: int = 15
    # How often the lifecycle sweep fixes overdue showtime and movie statuses (a Temporal Schedule).
    lifecycle_sweep_interval: timedelta = timedelta(minutes=5)
    # Public holidays priced as holidays; None means the built-in Vietnamese list for 2026-2027.
    holidays: list[date] | None = None
    # Overrides of PricingPolicy fields, e.g. CINEMA_SHOWTIMES__PRICING='{"vip_factor": "1.4"}'.
    pricing: dict[str, Any] = {}


class EventSettings(BaseModel):
    """The outbox relay and the event consumers (infra/events/), e.g. CINEMA_EVENTS__CLAIM_IDLE=5."""

    # The relay wakes on NOTIFY at each commit; this is its fallback poll.
    relay_poll_interval: timedelta = timedelta(seconds=1)
    relay_batch: int = 500
    # Streams are trimmed to about this many entries each; the outbox keeps history for replay.
    stream_maxlen: int = 100_000
    outbox_retention: timedelta = timedelta(days=7)
    # After a Redis restart, rows published this recently are published again (consumers skip repeats).
    republish_window: timedelta = timedelta(minutes=5)
    consumer_batch: int = 100
    consumer_block_ms: int = 1000
    # A pending event idle this long is taken over by another consumer (or retried after a failure).
    claim_idle: timedelta = timedelta(seconds=10)
    # A handler failing this many times moves the event to the dead-letter stream.
    max_failures: int = 5
    # Fault injection for the crash tests: a pause between publishing a batch and marking it published.
    relay_mark_delay: timedelta = timedelta(0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CINEMA_", env_nested_delimiter="__", env_file=".env", extra="ignore",
        hide_input_in_errors=True,  # a refusal names the setting, never prints the secrets given
    )

    env: str = "development"
    home: Path = Path(".cinema")
    # Unset server URLs mean "use the embedded server under `home`".
    database_url: str | None = None
    redis_url: str | None = None
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    temporal_ui_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 1025
    smtp_sender: str = "Cinema <no-reply@cinema.local>"
    mailbox_url: str | None = None
    ports: EmbeddedPorts = EmbeddedPorts()

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    public_base_url: str | None = None

    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_issuer: str = "cinema"
    access_token_ttl: timedelta = timedelta(minutes=15)
    refresh_token_ttl: timedelta = timedelta(days=30)
    email_token_ttl: timedelta = timedelta(hours=24)
    reset_token_ttl: timedelta = timedelta(hours=1)
    login_rate_limit: int = 5
    login_rate_window: timedelta = timedelta(minutes=15)
    # The edge (issue 11): proxies whose X-Forwarded-For/-Proto uvicorn believes (comma-separated IPs; default
    # none, so a client cannot pick its own address for the rate limits); browser origins CORS lets in
    # (comma-separated, default none); request body caps per route class (api/edge.py); concurrent
    # seat-map streams per client IP (api/routes/seat_stream.py).
    trusted_proxies: str = ""
    cors_origins: str = ""
    webhook_body_max_bytes: int = 16 * 1024
    json_body_max_bytes: int = 1024 * 1024
    max_seat_streams_per_client: int = 4

    admin_email: str | None = None
    admin_password: SecretStr | None = None

    avatar_max_bytes: int = 2 * 1024 * 1024
    media_dir: Path | None = None

    seat_hold_seconds: int = 900
    # Hold caps for customers (domain/showtimes/hold_limits.py): live holds on one showtime and in all;
    # lock-seats attempts per customer per window (a losing attempt counts too). Staff are not capped.
    max_live_holds_per_showtime: int = 1
    max_live_holds_per_user: int = 3
    lock_rate_limit: int = 20
    lock_rate_window: timedelta = timedelta(minutes=1)
    max_seats_per_booking: int = 8
    # Refuse a selection that leaves a lone empty seat when another selection of that size would not.
    orphan_seat_rule: bool = True
    # Signs QR ticket codes; like the JWT secret it must be set outside development.
    ticket_secret: SecretStr = SecretStr("dev-only-ticket-secret-0123456789abcdef")
    # The bearer token a Prometheus scrape of GET /metrics sends; none: /metrics is open (development only).
    metrics_token: SecretStr | None = None
    # Where a worker process serves the Temporal SDK's Prometheus metrics and the sagas' own counters
    # (none: not served). `cinema up` gives each worker process its own port.
    worker_metrics_port: int | None = None
    worker_metrics_host: str = "127.0.0.1"
    # Log lines of the API and worker processes: JSON (infra/logging.py) or the old text lines.
    log_format: Literal["json", "text"] = "json"
    log_level: str = "INFO"
    # Doors open this long before a showtime starts and close this long after.
    entry_opens_before: timedelta = timedelta(minutes=45)
    entry_closes_after: timedelta = timedelta(minutes=30)
    showtimes: ShowtimeSettings = ShowtimeSettings()

    # Social sign-in: set CINEMA_GOOGLE__CLIENT_ID / __CLIENT_SECRET (and FACEBOOK) to enable.
    google: GoogleSettings = GoogleSettings()
    facebook: FacebookSettings = FacebookSettings()
    # Payment gateways: sandbox keys and our local simulators by default; real hosts by configuration,
    # e.g. CINEMA_PAYMENTS__VNPAY__TMN_CODE, CINEMA_PAYMENTS__MOMO__ENDPOINT (infra/gateways/settings.py).
    payments: PaymentSettings = PaymentSettings()
    events: EventSettings = EventSettings()
    loyalty: LoyaltySettings = LoyaltySettings()
    # Where mailed links send people (a web app); the API itself answers GET /api/auth/verify-email.
    app_url: str | None = None

    def model_post_init(self, _context: object) -> None:
        """Outside development and test: strong secrets, and no enabled gateway on sandbox keys or the
        simulators (a gateway left without credentials or endpoints is simply disabled)."""
        if self.env in DEVELOPMENT_ENVS:
            return
        refusals = [f"CINEMA_{name.upper()} must be a strong secret outside development: {why}"
                    for name, secret in (("jwt_secret", self.jwt_secret), ("ticket_secret", self.ticket_secret),
                                         ("metrics_token", self.metrics_token or SecretStr("")))
                    if (why := weakness(secret.get_secret_value())) is not None]
        refusals += self.payments.production_refusals()
        if refusals:
            raise ValueError(f"Refusing to run with CINEMA_ENV={self.env}: " + "; ".join(refusals))

    # Resolved addresses: an explicit URL wins, otherwise the embedded server's loopback address.
    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"postgresql+asyncpg://cinema@127.0.0.1:{self.ports.postgres}/cinema"

    @property
    def resolved_redis_url(self) -> str:
        return self.redis_url or f"redis://127.0.0.1:{self.ports.redis}/0"

    @property
    def resolved_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.ports.temporal}"

    @property
    def resolved_temporal_ui_url(self) -> str:
        return self.temporal_ui_url or f"http://127.0.0.1:{self.ports.temporal_ui}"

    @property
    def resolved_smtp_host(self) -> str:
        return self.smtp_host or "127.0.0.1"

    @property
    def resolved_smtp_port(self) -> int:
        return self.smtp_port if self.smtp_host else self.ports.smtp

    @property
    def resolved_mailbox_url(self) -> str:
        return self.mailbox_url or f"http://127.0.0.1:{self.ports.mailbox}"

    @property
    def resolved_public_base_url(self) -> str:
        return self.public_base_url or f"http://{self.api_host}:{self.api_port}"

    @property
    def resolved_app_url(self) -> str:
        return self.app_url or self.resolved_public_base_url

    @property
    def resolved_media_dir(self) -> Path:
        return self.media_dir or self.home / "media"


@lru_cache
def get_settings() -> Settings:
    return Settings()
