"""`Idempotency-Key` on POST: a repeated request with the same key gets the first answer, and does nothing.

Keys are scoped to the caller (the signed-in user, whatever access token they send this time; else the
client address) and kept for 24 hours in Redis. A request still running under the same key gets 409; the
same key with another body gets 422. Only answers below 500 are remembered, so a failure can be retried
with the same key.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from redis.asyncio import Redis
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from domain.auth.tokens import decode_access_token
from domain.shared.errors import DomainError

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
        caller = _caller(scope, headers)
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


def _caller(scope: Scope, headers: dict[bytes, bytes]) -> bytes:
    """Who asks: a user keeps their keys across sign-ins and token refreshes (a retry after a refresh must
    not do the work twice); a token that does not verify is its own scope (the route refuses it anyway)."""
    authorization = headers.get(b"authorization", b"")
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    if scheme.lower() == "bearer" and token:
        settings = scope["state"]["settings"]
        try:
            claims = decode_access_token(token, secret=settings.jwt_secret.get_secret_value(),
                                         issuer=settings.jwt_issuer)
        except DomainError:
            return authorization
        return f"user:{claims.user_id}".encode()
    return authorization or (scope.get("client") or ("?",))[0].encode()


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
