"""Refuse NUL characters before routing: PostgreSQL text cannot hold them, so a NUL reaching a query
or an insert would be a 500 (asyncpg's "invalid byte sequence") instead of a refusal.

The path, the query string and the string values of a JSON or urlencoded-form body are checked; a hit
is a 422 in the one error shape, except on a gateway's webhook, which gets its gateway's own refusal
(the one it gets for a bad signature: a NUL never comes from a real gateway). Multipart bodies (file
uploads) are left alone: their files may hold any byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from domain.contracts.payment_methods import PaymentMethod
from domain.payments.gateway import NoticeOutcome

_WEBHOOKS = {"/api/payments/webhook/vnpay": PaymentMethod.VNPAY, "/api/payments/webhook/momo": PaymentMethod.MOMO,
             "/api/payments/webhook/zalopay": PaymentMethod.ZALOPAY}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _query_has_nul(raw: bytes) -> bool:
    if b"%00" not in raw.lower() and b"\x00" not in raw:
        return False
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace")
    return any("\x00" in key or "\x00" in value for key, value in pairs) or b"\x00" in raw


def _body_has_nul(content_type: str, body: bytes) -> bool:
    if content_type.startswith("application/x-www-form-urlencoded"):
        return _query_has_nul(body)
    if "json" in content_type:
        if b"\\u0000" not in body.lower() and b"\x00" not in body:
            return False  # the fast path: no escaped or raw NUL anywhere
        try:
            return any("\x00" in s for s in _strings(json.loads(body)))
        except ValueError:
            return False  # not JSON: the route's own validation refuses it
    return False


class NulGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        where = None
        if "\x00" in scope["path"]:
            where = "path"
        elif _query_has_nul(scope.get("query_string", b"")):
            where = "query"
        content_type = ""
        for name, value in scope.get("headers", []):
            if name == b"content-type":
                content_type = value.decode("latin-1").lower()
        replay = receive
        if where is None and scope["method"] in ("POST", "PUT", "PATCH", "DELETE") and (
                "json" in content_type or content_type.startswith("application/x-www-form-urlencoded")):
            body, messages = await _read_body(receive)
            if _body_has_nul(content_type, body):
                where = "body"
            replay = _replayer(messages, receive)
        if where is None:
            await self.app(scope, replay, send)
            return
        await _refusal(scope, where)(scope, replay, send)


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks), messages


def _replayer(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


def _refusal(scope: Scope, where: str) -> Response:
    method = _WEBHOOKS.get(scope["path"].rstrip("/"))
    if method is not None:
        gateways = (scope.get("state") or {}).get("gateways")
        gateway = gateways.get(method) if gateways is not None else None
        if gateway is None:
            return JSONResponse(error_body("NOT_FOUND", f"{method.value} is not configured on this server."),
                                status_code=404)
        reply = gateway.reply(NoticeOutcome.INVALID_SIGNATURE)
        if reply.body is None:
            return Response(status_code=reply.status_code)
        return JSONResponse(reply.body, status_code=reply.status_code)
    details = [{"field": where, "message": "NUL characters are not allowed.", "type": "nul_character"}]
    return JSONResponse(error_body("VALIDATION_ERROR", "The request is not valid.", details), status_code=422)
