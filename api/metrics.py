"""The API's Prometheus metrics, served at GET /metrics (text format): every request by route template, method
and status with its latency, and the open seat streams. Labels are route templates (`/api/bookings/{id}`), never
raw paths, so a scan of random URLs adds one `(unmatched)` series, not thousands.

Each API process counts its own requests: with `--api-workers N` a scrape sees one process at a time (run one
process per container, as temporal-compose.yml does, or scrape each)."""

from __future__ import annotations

import hmac
import time
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import PublicRoute, SettingsDep
from domain.shared.errors import Unauthorized

REQUESTS = Counter("cinema_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram("cinema_http_request_duration_seconds", "Time to the response's first byte", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
SEAT_STREAMS = Gauge("cinema_seat_streams_open", "Seat-map SSE connections open in this process")

UNMATCHED = "(unmatched)"
ROUTE_KEY = "cinema.metrics"  # a request's box for its route template (the middlewares may copy the scope dict)


def name_route(scope: Scope, template: str) -> None:
    """For middleware that answers before routing (the cached seat map): the route template to count under."""
    box = scope.get(ROUTE_KEY)
    if box is not None:
        box.setdefault("route", template)


class MetricsMiddleware:
    """Outermost but one (pure ASGI, no per-request task): counts a request when its response starts. The route
    template is put in the request's box by RouteTemplateMiddleware, innermost, where the router set it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began, box = time.perf_counter(), {}
        scope[ROUTE_KEY] = box

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                count, latency = _series(scope["method"], box.get("route", UNMATCHED), message["status"])
                count.inc()
                latency.observe(time.perf_counter() - began)
            await send(message)

        await self.app(scope, receive, counted)


_SERIES: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _series(method: str, route: str, status: int) -> tuple[Any, Any]:
    """The labelled counter and histogram of one (method, route, status), looked up once (labels() takes a lock
    and builds a key each time: a sixth of a cheap request's time)."""
    key = (method, route, status)
    found = _SERIES.get(key)
    if found is None:
        found = _SERIES[key] = (REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route))
    return found


class RouteTemplateMiddleware:
    """Innermost: the router sets `scope["route"]` on this scope before the endpoint answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or ROUTE_KEY not in scope:
            await self.app(scope, receive, send)
            return

        async def named(message: Message) -> None:
            if message["type"] == "http.response.start" and (template := _template(scope)) is not None:
                name_route(scope, template)
            await send(message)

        await self.app(scope, receive, named)


def _template(scope: Scope) -> str | None:
    """The matched route's path template with the prefix it was included under (`/api` + `/bookings/{id}`):
    the router names the route as its router declared it, so the prefix is the part of the path before the
    segment where the route's own pattern matches."""
    route = scope.get("route")
    template, pattern = getattr(route, "path_format", None), getattr(route, "path_regex", None)
    if not template or pattern is None:
        return None
    path = scope.get("path", "")
    known = _PREFIXES.get(id(route))
    if known is not None and path.startswith(known) and pattern.match(path[len(known):]):
        return known + str(template)
    for cut in (i for i, char in enumerate(path) if char == "/"):
        if pattern.match(path[cut:]):
            _PREFIXES[id(route)] = path[:cut]
            return path[:cut] + str(template)
    return str(template)


_PREFIXES: dict[int, str] = {}  # route → the prefix it was included under, as first seen


# Open to the network like /health, behind its own token (CINEMA_METRICS_TOKEN) where one is set.
router = APIRouter(tags=["operations"], route_class=PublicRoute)


class MetricsTokenRequired(Unauthorized):
    code = "METRICS_TOKEN_REQUIRED"


@router.get("/metrics", summary="Prometheus metrics of this API process (text format)",
            response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
async def metrics(settings: SettingsDep, authorization: Annotated[str | None, Header()] = None) -> Response:
    """With `CINEMA_METRICS_TOKEN` set (always in production) the scraper sends `Authorization: Bearer <token>`;
    without it (development, tests) anyone on the network may read the counters."""
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if token and not hmac.compare_digest(authorization or "", f"Bearer {token}"):
        raise MetricsTokenRequired("Send the metrics token: Authorization: Bearer <CINEMA_METRICS_TOKEN>.")
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
