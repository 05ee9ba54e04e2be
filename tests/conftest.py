"""Session fixtures: the real embedded servers on free ports, migrated once, the API over real HTTP,
and a worker serving every task queue. Nothing is mocked (BRIEF §5)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from api.app import create_app
from cinema.supervisor import proxy_options
from infra.db import SessionMaker, create_engine, make_sessionmaker
from infra.events.runtime import EventRuntime
from infra.loyalty_settings import LoyaltySettings
from infra.migrate import upgrade
from infra.processes import free_port, wait_until
from infra.redis import create_redis
from infra.servers import Stack, postgres_url, start_servers
from infra.settings import EmbeddedPorts, EventSettings, FacebookSettings, GoogleSettings, Settings
from infra.temporal import connect_temporal, metrics_runtime
from tests.fake_idp import CLIENTS, fake_idp_app
from tests.tcp_gate import TcpGate
from workers.registry import QUEUES, WorkerDeps, build_worker, subscriptions

# A namespace only the crash tests' worker processes serve (the in-process worker serves "default").
CRASH_NAMESPACE = "crash-test"


@asynccontextmanager
async def in_process_api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A second API on these settings (on the test servers), served by uvicorn until the block ends."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    await asyncio.to_thread(wait_until, lambda: server.started, timeout=30, what="in-process API")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            yield http
    finally:
        await stop_server(server, task)


async def stop_server(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    """Stop an in-process uvicorn; a connection that never ends (an SSE stream) is cut after a few seconds."""
    server.should_exit = True
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=5)
    except TimeoutError:
        server.force_exit = True
        await asyncio.wait([task], timeout=5)


@dataclass
class Servers:
    home: Path
    ports: EmbeddedPorts
    stack: Stack


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    home = Path(tempfile.mkdtemp(prefix="cinema-test-"))
    ports = EmbeddedPorts(postgres=free_port(), redis=free_port(), temporal=free_port(),
                          temporal_ui=free_port(), smtp=free_port(), mailbox=free_port())
    stack = start_servers(home, ports, temporal_persistent=False, temporal_ui=False,
                          temporal_namespaces=(CRASH_NAMESPACE,))
    upgrade(postgres_url(ports.postgres))
    yield Servers(home=home, ports=ports, stack=stack)
    stack.stop()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(servers: Servers) -> Settings:
    ports = servers.ports
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        home=servers.home,
        database_url=postgres_url(ports.postgres),
        redis_url=f"redis://127.0.0.1:{ports.redis}/0",
        temporal_address=f"127.0.0.1:{ports.temporal}",
        smtp_host="127.0.0.1",
        smtp_port=ports.smtp,
        mailbox_url=f"http://127.0.0.1:{ports.mailbox}",
        api_port=free_port(),
        seat_hold_seconds=30,
        admin_email="first-admin@example.com",
        admin_password="First-admin-1",  # type: ignore[arg-type]
        jwt_secret="test-secret-0123456789abcdef0123456789abcdef",  # type: ignore[arg-type]
        ports=ports,
        # Quick retries: a consumer takes over (or retries) an event pending for 2 s.
        events=EventSettings(claim_idle=timedelta(seconds=2), relay_poll_interval=timedelta(milliseconds=500)),
        # Tests set tiers by hand: a nightly review firing mid-run (02:00 local) must not recompute them.
        loyalty=LoyaltySettings(review_schedule=False),
        google=_idp_settings(GoogleSettings, "google", IDP_PORT),
        facebook=_idp_settings(FacebookSettings, "facebook", IDP_PORT),
    )


IDP_PORT = free_port()


def _idp_settings(kind: type[Any], provider: str, port: int) -> Any:
    client_id, secret = CLIENTS[provider]
    base = f"http://127.0.0.1:{port}/{provider}"
    return kind(client_id=client_id, client_secret=secret, authorize_url=f"{base}/authorize",
                token_url=f"{base}/token", userinfo_url=f"{base}/userinfo")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def fake_idp() -> AsyncIterator[str]:
    """The local OAuth2 identity provider the Google/Facebook settings point at."""
    server = uvicorn.Server(uvicorn.Config(fake_idp_app(), host="127.0.0.1", port=IDP_PORT, log_level="warning"))
    task = asyncio.create_task(server.serve())
    await asyncio.to_thread(wait_until, lambda: server.started, timeout=30, what="fake IdP")
    yield f"http://127.0.0.1:{IDP_PORT}"
    await stop_server(server, task)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def api_url(settings: Settings) -> AsyncIterator[str]:
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=settings.api_port, log_level="warning",
                            server_header=False, **proxy_options(settings.trusted_proxy_list))  # as served
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await asyncio.to_thread(wait_until, lambda: server.started, timeout=30, what="API")
    yield f"http://127.0.0.1:{settings.api_port}"
    await stop_server(server, task)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.resolved_database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def sessionmaker(engine: AsyncEngine) -> SessionMaker:
    return make_sessionmaker(engine)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = create_redis(settings.resolved_redis_url)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def worker_metrics_url() -> str:
    """Where the tests' workers serve the SDK's Prometheus metrics (their client's runtime exports them)."""
    return f"http://127.0.0.1:{free_port()}/metrics"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def temporal(settings: Settings, worker_metrics_url: str) -> Client:
    port = int(worker_metrics_url.rsplit(":", 1)[1].split("/", 1)[0])
    return await connect_temporal(settings.resolved_temporal_address, runtime=metrics_runtime(port))


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def temporal_gate(settings: Settings) -> AsyncIterator[TcpGate]:
    """The event consumers reach Temporal through this gate: closing it takes Temporal away from them only."""
    host, port = settings.resolved_temporal_address.rsplit(":", 1)
    gate = TcpGate(host, int(port))
    await gate.open()
    yield gate
    await gate.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def worker(temporal: Client, engine: AsyncEngine, sessionmaker: SessionMaker, redis: Redis,
                 settings: Settings, temporal_gate: TcpGate) -> AsyncIterator[None]:
    """Every task queue served in-process, with the production registry, and the event relay and consumers."""
    deps = WorkerDeps(sessionmaker=sessionmaker, redis=redis, settings=settings)
    workers = [build_worker(temporal, queue, deps) for queue in QUEUES]
    tasks = [asyncio.create_task(w.run()) for w in workers]
    gated = await connect_temporal(temporal_gate.address, lazy=True)
    events = EventRuntime(engine, sessionmaker, redis, settings.events, subscriptions(gated, deps))
    events.start()
    yield
    await events.stop()
    # Bounded: an activity that ignores cancellation must not hang the end of the run.
    await asyncio.wait([asyncio.ensure_future(w.shutdown()) for w in workers], timeout=15)
    await asyncio.wait(tasks, timeout=5)
    await deps.aclose()


@pytest_asyncio.fixture(loop_scope="session")
async def client(api_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        yield http


@pytest.fixture(scope="session")
def admin_headers(settings: Settings) -> dict[str, str]:
    """An Admin's bearer header, for the sandbox's fault switches and order views (Admins only). The API
    checks the token's signature and role, not the account, so no row is needed."""
    import uuid

    from domain.auth.tokens import issue_access_token
    from domain.shared.roles import Role
    from domain.shared.time import utcnow

    token, _ = issue_access_token(user_id=uuid.uuid4(), role=Role.ADMIN, secret=settings.jwt_secret.get_secret_value(),
                                  issuer=settings.jwt_issuer, now=utcnow(), ttl=timedelta(hours=12))
    return {"Authorization": f"Bearer {token}"}


@pytest_asyncio.fixture(loop_scope="session")
async def sandbox(api_url: str, admin_headers: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in as an Admin, for the sandbox's control panel (/sandbox/faults, order views)."""
    async with httpx.AsyncClient(base_url=api_url, timeout=30, headers=admin_headers) as http:
        yield http


class Mailbox:
    """Reads what the real SMTP server received, through its HTTP inbox."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def messages(self, to: str) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=self.url) as http:
            response = await http.get("/api/messages", params={"to": to})
            response.raise_for_status()
            return response.json()  # type: ignore[no-any-return]

    async def wait_for(self, to: str, *, count: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = await self.messages(to)
            if len(found) >= count or loop.time() > deadline:
                return found
            await asyncio.sleep(0.1)


@pytest.fixture(scope="session")
def mailbox(settings: Settings) -> Mailbox:
    return Mailbox(settings.resolved_mailbox_url)


@dataclass
class TestUser:
    id: Any
    email: str
    password: str
    role: Any
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@pytest_asyncio.fixture(loop_scope="session")
async def make_user(sessionmaker: SessionMaker, settings: Settings) -> Any:
    """Factory: `await make_user(Role.MANAGER)` creates a verified account and signs it in."""
    import uuid

    from domain.auth import service as auth_service
    from domain.shared.roles import Role
    from domain.shared.time import utcnow
    from infra.db import unit_of_work

    async def factory(role: Role = Role.CUSTOMER, *, email: str | None = None,
                      password: str = "Secret-pass-1") -> TestUser:
        email = email or f"{role.value.lower()}-{uuid.uuid4().hex[:10]}@example.com"
        async with unit_of_work(sessionmaker) as session:
            account = await auth_service.create_account(session, email=email, password=password, role=role,
                                                        verified_at=utcnow(), first_name="Test", last_name=role.value)
            pair = await auth_service.issue_tokens(session, account=account, policy=token_policy(settings),
                                                   now=utcnow())
        return TestUser(id=account.id, email=email, password=password, role=role,
                        access_token=pair.access_token, refresh_token=pair.refresh_token)

    return factory


def token_policy(settings: Settings) -> Any:
    from domain.auth.service import TokenPolicy

    return TokenPolicy(secret=settings.jwt_secret.get_secret_value(), issuer=settings.jwt_issuer,
                       access_ttl=settings.access_token_ttl, refresh_ttl=settings.refresh_token_ttl)
