"""The edge's own guards (issue 11): request body caps per route class and security headers on every answer.

Body caps: webhooks (the three gateway IPN/callback routes, open to anyone) get `webhook_body_max_bytes`
(16 KiB; a real VNPay/MoMo/ZaloPay message is well under 2 KiB), uploads (avatar, poster) get
`avatar_max_bytes` plus multipart overhead (the upload routes also cap exactly), everything else
`json_body_max_bytes` (1 MiB). A declared Content-Length over the cap is refused before reading; a body that is
streamed (chunked, or lying about its length) is counted as it arrives and refused once it passes the cap, before
the app has parsed or stored any of it. The refusal is 413 `PAYLOAD_TOO_LARGE` in the one error shape — for the
webhooks too: a gateway expects its own format only for a message it can parse (VNPay's RspCode, MoMo's 204,
ZaloPay's return_code); an oversized body is not a gateway message, and a non-2xx only makes a real gateway
retry, which it never needs to for a body this size.

Security headers: nosniff, frame-ancestors none (X-Frame-Options DENY), a strict Referrer-Policy on every
answer; a CSP on HTML answers (`default-src 'self'`; FastAPI's /docs and /redoc load their scripts and styles
from jsdelivr, so those two pages, and only they, may load from it); HSTS only when the request came over TLS
(scheme https, which uvicorn sets from X-Forwarded-Proto only for a trusted proxy).

CORS: only the origins in CINEMA_CORS_ORIGINS; a refused preflight is a 400 in the one error shape.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body

WEBHOOK_PREFIX = "/api/payments/webhook/"
UPLOAD_SUFFIXES = ("/avatar", "/poster", "/image")  # avatars, posters, F&B item images
UPLOAD_SLACK = 64 * 1024


class BodyTooLarge(HTTPException):
    """An HTTPException, because FastAPI turns other errors raised while it parses a body into a 400; the app's
    handler answers it in the error shape, and a middleware reading the body before routing lets it reach
    BodyLimitMiddleware, which answers it."""

    def __init__(self) -> None:
        super().__init__(413, "The request body is too large.")


def _too_large(max_bytes: int) -> bytes:
    return json.dumps({"error": {"code": "PAYLOAD_TOO_LARGE", "message": "The request body is too large.",
                                 "details": {"maxBytes": max_bytes}}}).encode()


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, webhook_max: int, json_max: int, upload_max: int) -> None:
        self.app, self.webhook_max, self.json_max, self.upload_max = app, webhook_max, json_max, upload_max

    def limit_for(self, path: str) -> int:
        if path.startswith(WEBHOOK_PREFIX):
            return self.webhook_max
        if path.endswith(UPLOAD_SUFFIXES):
            return self.upload_max + UPLOAD_SLACK
        return self.json_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        seen, started = 0, False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await self._refuse(send, limit)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        body = _too_large(limit)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


DOCS_PATHS = ("/docs", "/redoc")
CDN = "https://cdn.jsdelivr.net"
PAGE_CSP = b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " \
           b"script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
DOCS_CSP = (f"default-src 'self'; img-src 'self' data: https://fastapi.tiangolo.com; "
            f"style-src 'self' 'unsafe-inline' {CDN} https://fonts.googleapis.com; "
            f"font-src 'self' https://fonts.gstatic.com; "
            f"script-src 'self' 'unsafe-inline' {CDN}; worker-src blob:; frame-ancestors 'none'; base-uri 'none'"
            ).encode()
ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
          (b"referrer-policy", b"strict-origin-when-cross-origin")]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        over_tls = scope.get("scheme") == "https"
        docs = scope["path"] in DOCS_PATHS

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [h for h in ALWAYS if h[0] not in names]
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html") and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", DOCS_CSP if docs else PAGE_CSP))
                if over_tls:
                    headers.append(HSTS)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class ShapedCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered in the one error shape (Starlette's own is plain
    text): 400 CORS_REFUSED naming what was not allowed (origin, method, headers)."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        refused = bytes(response.body).decode().removeprefix("Disallowed CORS ")
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-type", "content-length")}
        return JSONResponse(error_body("CORS_REFUSED", f"This cross-origin request is not allowed ({refused}).",
                                       {"refused": refused.split(", ")}),
                            status_code=response.status_code, headers=headers)
