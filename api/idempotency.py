"""`Idempotency-Key` on POST: a repeated request with the same key gets the first answer, and does nothing.

Keys are scoped to the caller (a hash of the Authorization header, else the client address) and kept for
24 hours in Redis. A request still running under the same key gets 409; the same key with another body
gets 422. Only answers below 500 are remembered, so a failure can be retried with the same key.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from redis.asyncio import Redis
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body

TTL_SECONDS = 24 * 3600
IN_PROGRESS = "in-progress"


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        key = headers.get(b"idempotency-key", b"").decode("latin-1").strip()
        if scope["type"] != "http" or scope["method"] != "POST" or not key:
            await self.app(scope, receive, send)
            return
        redis: Redis = scope["state"]["redis"]
        body, more = b"", True
        while more:  # read the body once to fingerprint it, then replay it to the app
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        caller = headers.get(b"authorization") or (scope.get("client") or ("?",))[0].encode()
        slot = "idem:" + hashlib.sha256(b"|".join([caller, scope["path"].encode(), key.encode()])).hexdigest()
        fingerprint = hashlib.sha256(body).hexdigest()
        if not await redis.set(slot, json.dumps({"state": IN_PROGRESS, "fingerprint": fingerprint}),
                               nx=True, ex=TTL_SECONDS):
            await _replay(slot, fingerprint, redis, send)
            return
        captured: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

        async def replay_body() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"], captured["headers"] = message["status"], message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        finally:
            if captured["status"] < 500:
                await redis.set(slot, json.dumps({
                    "state": "done", "fingerprint": fingerprint, "status": captured["status"],
                    "headers": [(k.decode("latin-1"), v.decode("latin-1")) for k, v in captured["headers"]
                                if k.lower() in (b"content-type", b"location")],
                    "body": captured["body"].decode("utf-8", "replace")}), ex=TTL_SECONDS)
            else:
                await redis.delete(slot)


async def _replay(slot: str, fingerprint: str, redis: Redis, send: Send) -> None:
    stored = json.loads(await redis.get(slot) or "{}")
    if stored.get("fingerprint") != fingerprint:
        await _answer(send, 422, error_body("IDEMPOTENCY_KEY_REUSED",
                                            "This Idempotency-Key was used with a different request."))
    elif stored.get("state") == IN_PROGRESS:
        await _answer(send, 409, error_body("IDEMPOTENCY_IN_PROGRESS",
                                            "A request with this Idempotency-Key is still being handled."))
    else:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored["headers"]]
        await send({"type": "http.response.start", "status": stored["status"],
                    "headers": [*headers, (b"idempotent-replayed", b"true")]})
        await send({"type": "http.response.body", "body": stored["body"].encode()})


async def _answer(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
