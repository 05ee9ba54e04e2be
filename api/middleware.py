"""Request ids: taken from `X-Request-ID` or made up, echoed back, and put on every log line.

Each request is logged on `cinema.access` at DEBUG (method, path, status, time): a formatted line per
request costs about as much as a small route, so it is off unless that logger is set to DEBUG, and
uvicorn's own access log is off (cinema/supervisor.py API_SERVER_OPTIONS).
"""

from __future__ import annotations

import logging
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.shared.outbox import EventContext, event_context
from infra.logging import request_id_var

log = logging.getLogger("cinema.access")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")[:64]
        request_id = incoming if incoming.isprintable() and incoming else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        events = event_context.set(EventContext(causation_id=f"request:{request_id}"))  # events this request emits
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode("latin-1")))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%s %s %s %.1fms", scope["method"], scope["path"], status,
                          (time.perf_counter() - started) * 1000)
            request_id_var.reset(token)
            event_context.reset(events)
