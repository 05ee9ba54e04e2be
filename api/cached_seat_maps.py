"""The hot read of an on-sale, answered before routing: a cached seat map goes out as Redis holds it.

`GET /api/showtimes/{id}/available-seats` is what every customer re-reads while a house sells out. Its
route (api/routes/showtimes.py) documents it, validates the id, builds a missing map and gives 404 for an
unknown showtime. When the current map is cached, this middleware sends those same bytes itself, before
FastAPI matches the path against every route of the API and solves the route's dependencies, which cost
several times the Redis read. Anything else (another path, an id not in canonical form, a map not cached,
Redis failing) goes on to the app unchanged, so the route answers it as before.
"""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Receive, Scope, Send

from api.metrics import name_route
from infra.seat_map_events import SeatMapCache

# The canonical form only: any other spelling of an id is left to the route's own validation.
SEAT_MAP_ROUTE = "/api/showtimes/{id}/available-seats"  # its route template, for the metrics
SEAT_MAP_PATH = re.compile(r"/api/showtimes/([0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})/available-seats")


class CachedSeatMapMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = SEAT_MAP_PATH.fullmatch(scope["path"].removeprefix(scope.get("root_path", "")))
            if match is not None and await self._send_cached(scope, uuid.UUID(match.group(1)), send):
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _send_cached(scope: Scope, showtime_id: uuid.UUID, send: Send) -> bool:
        cache: SeatMapCache | None = scope.get("state", {}).get("seat_maps")  # made by the app's lifespan
        if cache is None:
            return False
        try:
            body = await cache.cached(showtime_id)
        except Exception:  # noqa: BLE001 - the route reports what is wrong, in the error shape
            return False
        if body is None:
            return False
        name_route(scope, SEAT_MAP_ROUTE)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})
        return True
