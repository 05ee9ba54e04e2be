"""/health reports each dependency, goes 503 when one is down and back to 200 when it returns."""

from __future__ import annotations

import httpx

from infra.servers import start_redis
from tests.conftest import Servers


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
