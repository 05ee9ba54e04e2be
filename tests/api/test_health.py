"""/health reports each dependency, goes 503 when one is down and back to 200 when it returns."""

from __future__ import annotations

import asyncio

import httpx
import uvicorn
from redis.asyncio import Redis

from api.app import create_app
from domain.contracts.events import DEAD_LETTER_STREAM
from infra.db import SessionMaker, create_engine
from infra.events.relay import OutboxRelay
from infra.processes import free_port, wait_until
from infra.servers import start_redis
from infra.settings import Settings
from tests.conftest import Servers, stop_server
from tests.infra.test_events_health import SCHEMA, emit_steps, relay_paused


class TestHealth:
    async def test_all_up(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        assert {name: dep["status"] for name, dep in body["dependencies"].items()} == {
            "postgres": "up", "redis": "up", "temporal": "up"}

    async def test_deep_check_runs_a_workflow_on_a_worker(self, client: httpx.AsyncClient, worker: None) -> None:
        response = await client.get("/health", params={"deep": "true"})
        assert response.status_code == 200
        assert response.json()["dependencies"]["worker"]["status"] == "up"
        assert ":" in response.json()["dependencies"]["worker"]["answeredBy"]

    async def test_503_while_redis_is_down_then_200(self, client: httpx.AsyncClient, servers: Servers) -> None:
        redis_proc = servers.stack.get("redis")
        redis_proc.stop()
        try:
            response = await client.get("/health")
            assert response.status_code == 503
            body = response.json()
            assert body["status"] == "degraded"
            assert body["dependencies"]["redis"]["status"] == "down"
            assert body["dependencies"]["postgres"]["status"] == "up"
        finally:
            servers.stack.processes[servers.stack.processes.index(redis_proc)] = start_redis(
                servers.home, servers.ports.redis)
        response = await client.get("/health")
        assert response.status_code == 200

    async def test_request_id_is_echoed(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health", headers={"X-Request-ID": "abc-123"})
        assert response.headers["x-request-id"] == "abc-123"
        assert (await client.get("/health")).headers["x-request-id"]


class TestErrorShape:
    async def test_unknown_route_uses_the_error_shape(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/no-such-thing")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"


class TestHealthEvents:
    """The `events` section: relay lag and dead letters, informative only (it never changes the status)."""

    async def test_reports_unpublished_rows_and_dead_letters(self, client: httpx.AsyncClient, settings: Settings,
                                                             sessionmaker: SessionMaker, redis: Redis) -> None:
        engine = create_engine(settings.resolved_database_url, pool_size=1)
        dead_id = await redis.xadd(DEAD_LETTER_STREAM, {"stream": "events:test-health", "group": "test.health",
                                                        "messageId": "1-0", "error": "boom", "failedAt": "",
                                                        "envelope": "{}"})
        try:
            async with relay_paused(engine, SCHEMA):
                await emit_steps(sessionmaker, 2)
                await asyncio.sleep(0.05)
                response = await client.get("/health")
            assert response.status_code == 200
            events = response.json()["events"]
            assert events["relay"]["status"] == "up" and events["relay"]["unpublished"] >= 2
            assert events["relay"]["oldestAgeSeconds"] >= 0.05
            assert events["deadLetters"]["status"] == "up" and events["deadLetters"]["count"] >= 1
        finally:
            await redis.xdel(DEAD_LETTER_STREAM, dead_id)
            await OutboxRelay(engine, redis, settings.events, schemas=(SCHEMA,)).drain()
            await engine.dispose()

    async def test_unreachable_servers_show_as_down_never_500(self, settings: Settings) -> None:
        """An API whose PostgreSQL and Redis are unreachable answers 503 with the events section down."""
        nowhere = free_port()
        broken = settings.model_copy(update={
            "database_url": f"postgresql+asyncpg://cinema@127.0.0.1:{nowhere}/cinema",
            "redis_url": f"redis://127.0.0.1:{nowhere}/0", "api_port": free_port(), "admin_email": None})
        server = uvicorn.Server(uvicorn.Config(create_app(broken), host="127.0.0.1", port=broken.api_port,
                                               log_level="warning"))
        task = asyncio.create_task(server.serve())
        try:
            await asyncio.to_thread(wait_until, lambda: server.started, timeout=30, what="API")
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{broken.api_port}", timeout=30) as http:
                response = await http.get("/health")
        finally:
            await stop_server(server, task)
        assert response.status_code == 503
        body = response.json()
        assert (body["dependencies"]["postgres"]["status"], body["dependencies"]["redis"]["status"]) == (
            "down", "down")
        assert body["events"]["relay"]["status"] == "down" and body["events"]["relay"]["error"]
        assert body["events"]["deadLetters"]["status"] == "down" and body["events"]["deadLetters"]["error"]
        # the reason is for operators in the log; a public answer names no exception class or address
        assert "Error" not in response.text and "127.0.0.1" not in response.text
