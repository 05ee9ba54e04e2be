"""The FastAPI app factory: `uvicorn api.app:create_app --factory`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.bootstrap import ensure_first_admin
from api.cached_seat_maps import CachedSeatMapMiddleware
from api.deps import require_role
from api.edge import BodyLimitMiddleware, SecurityHeadersMiddleware, ShapedCORSMiddleware
from api.errors import ERROR_RESPONSES, install_error_handlers
from api.idempotency import IdempotencyMiddleware
from api.metrics import MetricsMiddleware, RouteTemplateMiddleware
from api.metrics import router as metrics_router
from api.middleware import RequestIdMiddleware
from api.nul_guard import NulGuardMiddleware
from api.routes import (
    admin,
    admin_sagas,
    auth,
    bookings,
    cinemas,
    flash_sales,
    fnb,
    health,
    movies,
    my_vouchers,
    payments,
    promotions,
    seat_stream,
    showtimes,
    time_promotions,
    users,
)
from domain.shared.roles import Role
from infra.db import create_engine, make_sessionmaker
from infra.gateways.factory import build_gateways, payment_settings
from infra.gateways.journal import MessageJournal
from infra.gateways.registry import sandbox_router
from infra.logging import configure_logging
from infra.mail import Mailer
from infra.redis import create_redis
from infra.seat_map_events import SeatMapCache
from infra.settings import Settings, get_settings
from infra.temporal import connect_temporal

API_ROUTERS = [auth.router, users.router, admin.router, admin_sagas.router, movies.router, cinemas.router,
               showtimes.router, flash_sales.router, promotions.router, my_vouchers.router, bookings.router,
               seat_stream.router, payments.router, fnb.router, time_promotions.router]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if settings.env != "test":  # the tests keep pytest's own log capture
        configure_logging(settings.log_level, settings.log_format)
    media_dir = settings.resolved_media_dir
    media_dir.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        engine = create_engine(settings.resolved_database_url)
        redis = create_redis(settings.resolved_redis_url)
        # lazy: the API starts (and /health reports "down") while Temporal is not reachable yet.
        temporal = await connect_temporal(settings.resolved_temporal_address, settings.temporal_namespace,
                                          lazy=True)
        sessionmaker = make_sessionmaker(engine)
        await ensure_first_admin(sessionmaker, settings)
        http = httpx.AsyncClient()  # every gateway call of this process goes through it
        gateways = build_gateways(payment_settings(settings), redis=redis, journal=MessageJournal(sessionmaker),
                                  http=http)
        yield {
            "settings": settings,
            "sessionmaker": sessionmaker,
            "redis": redis,
            "seat_maps": SeatMapCache(redis),
            "temporal": temporal,
            "mailer": Mailer(settings.resolved_smtp_host, settings.resolved_smtp_port, settings.smtp_sender),
            "http": http,
            "gateways": gateways,
        }
        await http.aclose()
        await redis.aclose()
        await engine.dispose()

    app = FastAPI(
        title="Cinema API",
        version="0.1.0",
        description="Cinema-chain backend: catalog, booking sagas on Temporal, payments. "
        "Errors always look like `{\"error\": {\"code\", \"message\", \"details\"}}`.",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    app.add_middleware(RouteTemplateMiddleware)  # innermost: where the router names the route, for the metrics
    app.add_middleware(NulGuardMiddleware)  # NUL in path/query/body is a 422, not a DB error
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(CachedSeatMapMiddleware)  # before routing: a cached seat map is sent as stored
    app.add_middleware(BodyLimitMiddleware, webhook_max=settings.webhook_body_max_bytes,
                       json_max=settings.json_body_max_bytes, upload_max=settings.avatar_max_bytes)
    app.add_middleware(RequestIdMiddleware)  # ids cover replayed answers, cached maps and 413s too
    app.add_middleware(MetricsMiddleware)  # counts those too, by route template
    app.add_middleware(SecurityHeadersMiddleware)  # nosniff, frame/referrer policy, CSP on pages, HSTS over TLS
    if origins := settings.cors_origin_list:  # outermost: a preflight is answered before anything else
        app.add_middleware(ShapedCORSMiddleware, allow_origins=origins, allow_credentials=True,
                           allow_methods=["*"], allow_headers=["*"], max_age=600)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(metrics_router)
    for router in API_ROUTERS:
        app.include_router(router, prefix="/api")
    if settings.payments.sandbox_enabled(settings.env):  # the local gateway simulators
        app.include_router(sandbox_router(admin=require_role(Role.ADMIN)))  # fault switches: Admins only
    app.mount("/media", StaticFiles(directory=media_dir), name="media")
    return app
