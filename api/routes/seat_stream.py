"""Live seat changes of a showtime as Server-Sent Events: what a seat picker listens to."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import StreamingResponse

from api.deps import PublicRoute, RedisDep
from infra import seat_map_events

router = APIRouter(prefix="/showtimes", tags=["showtimes"], route_class=PublicRoute)


@router.get("/{id}/seats/stream", response_class=StreamingResponse,
            summary="Seat changes as they happen (SSE): each event names the seats and their new status",
            responses={200: {"content": {"text/event-stream": {}}}})
async def seat_stream(showtime_id: Annotated[uuid.UUID, Path(alias="id")], request: Request,
                      redis: RedisDep) -> StreamingResponse:
    """`event: seats` lines carry {showtimeId, version, status, seatIds, at}; a comment line every 15 s keeps
    proxies from closing the connection. Reload the seat map if you miss a version."""

    async def events() -> AsyncIterator[str]:
        yield ": connected\n\n"
        async for change in seat_map_events.changes(redis, showtime_id):
            if await request.is_disconnected():
                return
            yield f"event: seats\ndata: {change}\n\n" if change else ": keep-alive\n\n"

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
