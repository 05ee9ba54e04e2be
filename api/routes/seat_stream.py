"""Live seat changes of a showtime as Server-Sent Events: what a seat picker listens to.

No sign-in: seat maps are public (GET /available-seats is too) and a seat picker listens before its customer
signs in. What an open stream costs is a connection and a Redis subscription, so each client address may hold
at most `max_seat_streams_per_client` streams at once (counted in Redis, across API processes); one more is
429 `TOO_MANY_STREAMS`. The count's key expires STREAM_SLOT_TTL after the last keep-alive, so a process that
died with streams open does not lock its clients out for good.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import StreamingResponse

from api.deps import PublicRoute, RedisDep, SettingsDep
from api.metrics import SEAT_STREAMS
from domain.shared.errors import TooManyRequests
from infra import seat_map_events

STREAM_SLOT_TTL = 120  # seconds; keep-alives (every 15 s) renew it


class TooManyStreams(TooManyRequests):
    code = "TOO_MANY_STREAMS"

    def __init__(self, limit: int) -> None:
        super().__init__(f"At most {limit} seat streams may be open at once from one client; close one first.",
                         {"maxStreams": limit})
        self.headers = {"Retry-After": "15"}

router = APIRouter(prefix="/showtimes", tags=["showtimes"], route_class=PublicRoute)


@router.get("/{id}/seats/stream", response_class=StreamingResponse,
            summary="Seat changes as they happen (SSE): each event names the seats and their new status",
            responses={200: {"content": {"text/event-stream": {}}}})
async def seat_stream(showtime_id: Annotated[uuid.UUID, Path(alias="id")], request: Request,
                      redis: RedisDep, settings: SettingsDep) -> StreamingResponse:
    """`event: seats` lines carry {showtimeId, version, status, seatIds, at}; a comment line every 15 s keeps
    proxies from closing the connection. Reload the seat map if you miss a version."""

    key = f"sse:client:{request.client.host if request.client else 'unknown'}"
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, STREAM_SLOT_TTL)
        open_streams, _ = await pipe.execute()
    if open_streams > settings.max_seat_streams_per_client:
        await redis.decr(key)
        raise TooManyStreams(settings.max_seat_streams_per_client)

    async def events() -> AsyncIterator[str]:
        SEAT_STREAMS.inc()
        try:
            yield ": connected\n\n"
            async for change in seat_map_events.changes(redis, showtime_id):
                if await request.is_disconnected():
                    return
                if not change:
                    await redis.expire(key, STREAM_SLOT_TTL)
                yield f"event: seats\ndata: {change}\n\n" if change else ": keep-alive\n\n"
        finally:
            SEAT_STREAMS.dec()
            await redis.decr(key)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
