"""The edge's hardening (issue 11): login limits that hold under parallel and forwarded-header attacks, body caps
per route class, security headers, no server header, forged JWT expiry, logout without a body, seat stream cap."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import jwt
import pytest

from infra.settings import Settings

pytestmark = pytest.mark.usefixtures("worker")


async def test_parallel_wrong_logins_get_at_most_the_limit_of_401s(client: httpx.AsyncClient, make_user: Any,
                                                                   settings: Settings) -> None:
    user = await make_user()
    answers = await asyncio.gather(*(client.post("/api/auth/login", json={"email": user.email,
                                                                          "password": "Wrong-pass-1"})
                                     for _ in range(40)))
    counts = Counter(a.status_code for a in answers)
    assert counts[401] <= settings.login_rate_limit, counts
    assert counts[429] == 40 - counts[401], counts
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.json()["error"]["code"] == "RATE_LIMITED"
    assert int(refused.headers["Retry-After"]) >= 1


async def test_rotating_x_forwarded_for_does_not_reset_the_login_limit(client: httpx.AsyncClient, make_user: Any,
                                                                       settings: Settings) -> None:
    user = await make_user()
    statuses = []
    for n in range(settings.login_rate_limit + 3):
        answer = await client.post("/api/auth/login", json={"email": user.email, "password": "Wrong-pass-1"},
                                   headers={"X-Forwarded-For": f"203.0.113.{n + 1}"})
        statuses.append(answer.status_code)
    assert statuses[-3:] == [429, 429, 429], statuses


async def test_a_jwt_with_a_huge_exp_is_401(client: httpx.AsyncClient, make_user: Any, settings: Settings) -> None:
    user = await make_user()
    token = jwt.encode({"sub": str(user.id), "role": "Customer", "jti": uuid.uuid4().hex, "typ": "access",
                        "iss": settings.jwt_issuer, "iat": time.time(), "exp": 10**20},
                       settings.jwt_secret.get_secret_value(), algorithm="HS256")
    answer = await client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"]


async def test_logout_without_a_body_revokes_the_access_token(client: httpx.AsyncClient, make_user: Any) -> None:
    user = await make_user()
    auth = {"Authorization": f"Bearer {user.access_token}"}
    assert (await client.post("/api/auth/logout", headers=auth)).status_code == 204
    assert (await client.get("/api/users/me", headers=auth)).status_code == 401


@pytest.mark.parametrize("path", ["/api/payments/webhook/vnpay", "/api/payments/webhook/momo",
                                  "/api/payments/webhook/zalopay"])
async def test_an_oversized_webhook_is_413_before_it_is_stored(client: httpx.AsyncClient, path: str,
                                                               settings: Settings) -> None:
    answer = await client.post(path, content=b"a=" + b"x" * (settings.webhook_body_max_bytes + 1),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_10_mb_login_body_is_413(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/auth/login", content=b'{"email": "' + b"x" * 10_000_000 + b'"}',
                               headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_streamed_body_without_a_length_is_counted(client: httpx.AsyncClient, settings: Settings) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(settings.json_body_max_bytes // 65536 + 2):
            yield b" " * 65536

    answer = await client.post("/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_security_headers_and_no_server_header(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/movies")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "server" not in answer.headers
    assert "strict-transport-security" not in answer.headers  # plain HTTP, no trusted proxy saying https
    docs = await client.get("/docs")
    assert "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]


async def test_seat_streams_per_client_are_capped(client: httpx.AsyncClient, settings: Settings) -> None:
    showtime = uuid.uuid4()  # a stream needs no showtime row to open
    async with AsyncExitStack() as stack:
        for _ in range(settings.max_seat_streams_per_client):
            stream = await stack.enter_async_context(client.stream("GET", f"/api/showtimes/{showtime}/seats/stream"))
            assert stream.status_code == 200
        refused = await client.get(f"/api/showtimes/{showtime}/seats/stream")
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "TOO_MANY_STREAMS"


def test_the_served_api_trusts_forwarded_headers_only_from_configured_proxies() -> None:
    from cinema.supervisor import api_argv

    argv = api_argv(Settings(_env_file=None))  # type: ignore[call-arg]
    assert "--no-proxy-headers" in argv and "--no-server-header" in argv
    argv = api_argv(Settings(_env_file=None, trusted_proxies="10.0.0.5"))  # type: ignore[call-arg]
    assert argv[argv.index("--forwarded-allow-ips") + 1] == "10.0.0.5"


async def test_cors_preflight_lets_in_only_configured_origins(settings: Settings) -> None:
    from tests.conftest import in_process_api

    async with in_process_api(settings.model_copy(update={"cors_origins": "https://app.example.com"})) as http:
        ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
        allowed = await http.options("/api/auth/login", headers={"Origin": "https://app.example.com", **ask})
        refused = await http.options("/api/auth/login", headers={"Origin": "https://evil.example", **ask})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    assert refused.json()["error"] == {"code": "CORS_REFUSED", "details": {"refused": ["origin"]},
                                       "message": "This cross-origin request is not allowed (origin)."}
