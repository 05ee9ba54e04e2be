"""`cinema up` as a newcomer runs it: a real subprocess on free ports, stopped with Ctrl-C (SIGINT).

Each run starts the real embedded servers, the worker and the API; the tests then check what a
user relies on: the demo data is there, nothing is left running after Ctrl-C, and a second run
finds every server's data again.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest
from pydantic import BaseModel, EmailStr, TypeAdapter
from redis import Redis

from cinema.seed import DEMO_ACCOUNTS, DEMO_DOMAIN
from cinema.supervisor import (
    StartupError,
    api_argv,
    check_ports,
    embedded_servers,
    port_in_use,
    ports_needed,
    service_env,
)
from domain.shared.roles import Role
from infra.processes import free_port
from infra.settings import EmbeddedPorts, Settings
from tests.conftest import Servers

CINEMA = [sys.executable, "-m", "cinema.cli"]
READY_TIMEOUT = 120
STOP_TIMEOUT = 60
DEMO_EMAILS = sorted(demo.email for demo in DEMO_ACCOUNTS)


@dataclass
class Home:
    """A CINEMA_HOME with its own free ports, and the environment that points `cinema` at them."""

    path: Path
    ports: EmbeddedPorts
    api_port: int

    @property
    def env(self) -> dict[str, str]:
        # No inherited CINEMA_* (a developer's CINEMA_DATABASE_URL would make the servers "external").
        env = {key: value for key, value in os.environ.items() if not key.startswith("CINEMA_")}
        env |= {f"CINEMA_PORTS__{name.upper()}": str(port) for name, port in self.ports.model_dump().items()}
        env |= {"CINEMA_HOME": str(self.path), "CINEMA_API_PORT": str(self.api_port)}
        return env

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def postgres_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.ports.postgres}/cinema"

    def all_ports(self) -> list[int]:
        return [*self.ports.model_dump().values(), self.api_port]


@pytest.fixture
def home() -> Iterator[Home]:
    path = Path(tempfile.mkdtemp(prefix="cinema-cli-"))
    ports = EmbeddedPorts(postgres=free_port(), redis=free_port(), temporal=free_port(),
                          temporal_ui=free_port(), smtp=free_port(), mailbox=free_port())
    yield Home(path=path, ports=ports, api_port=free_port())
    shutil.rmtree(path, ignore_errors=True)


class Up:
    """One `cinema up` process and the output it printed."""

    def __init__(self, home: Home, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> None:
        self.home = home
        self.output_path = home.path.parent / f"{home.path.name}-up-{time.monotonic_ns()}.out"
        with open(self.output_path, "wb") as out:
            # cwd outside the project: no .env of ours is read.
            self.proc = subprocess.Popen([*CINEMA, "up", *args], env=env or home.env, cwd=home.path.parent,
                                         stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    @property
    def output(self) -> str:
        return self.output_path.read_text(errors="replace")

    def wait_ready(self) -> None:
        """/health answers 200, then the ready panel (the deep check through the worker passed)."""
        deadline = time.monotonic() + READY_TIMEOUT
        healthy = False
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"cinema up exited with {self.proc.returncode}:\n{self.output}"
            if not healthy:
                try:
                    healthy = httpx.get(f"{self.home.api}/health", timeout=5).status_code == 200
                except httpx.HTTPError:
                    pass
            if healthy and "Cinema is running" in self.output:
                return
            time.sleep(0.2)
        pytest.fail(f"cinema up not ready after {READY_TIMEOUT}s:\n{self.output}")

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(STOP_TIMEOUT)

    def cleanup(self) -> None:
        """After a failed test: stop it anyway, and kill whatever it leaves behind."""
        if self.proc.poll() is None:
            left = self.descendants()
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            for child in left:
                try:
                    child.kill()
                except psutil.NoSuchProcess:
                    pass
        self.output_path.unlink(missing_ok=True)


@contextmanager
def cinema_up(home: Home, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> Iterator[Up]:
    up = Up(home, env, args)
    try:
        yield up
    finally:
        up.cleanup()


def stop_and_assert_nothing_left(up: Up, ports: list[int], *, servers: int = 4, workers: int = 1) -> None:
    started = up.descendants()
    children = psutil.Process(up.proc.pid).children()
    # Each server, plus the workers and the API (the mailbox counts among the servers).
    assert len(children) == servers + workers + 1, f"children of cinema up: {[p.name() for p in children]}"
    assert up.interrupt() == 0, up.output
    assert "Stopped." in up.output
    survivors = [p for p in started if _alive(p)]
    assert not survivors, f"left running after Ctrl-C: {[(p.pid, p.name()) for p in survivors]}"
    assert not [port for port in ports if port_in_use(port)], "a port is still taken after Ctrl-C"


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _query(dsn: str, sql: str, *args: object) -> list[tuple[object, ...]]:
    async def run() -> list[tuple[object, ...]]:
        connection = await asyncpg.connect(dsn)
        try:
            return [tuple(row) for row in await connection.fetch(sql, *args)]
        finally:
            await connection.close()

    return asyncio.run(run())


def _demo_accounts(dsn: str) -> list[tuple[object, ...]]:
    return _query(dsn, "SELECT email, role, id, password_hash, email_verified_at IS NOT NULL "
                       "FROM auth.account WHERE email LIKE $1 ORDER BY email", f"%@{DEMO_DOMAIN}")


def _health_workflow_ids(home: Home) -> set[str]:
    from infra.temporal import connect_temporal

    async def run() -> set[str]:
        client = await connect_temporal(f"127.0.0.1:{home.ports.temporal}")
        return {wf.id async for wf in client.list_workflows("WorkflowType = 'HealthWorkflow'")}

    return asyncio.run(run())


def _wait_for(check, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return result


def test_up_seeds_stops_cleanly_and_keeps_data_across_runs(home: Home) -> None:
    # First run on an empty home: servers initialise, migrations run, demo accounts are created.
    with cinema_up(home) as up:
        up.wait_ready()
        accounts = _demo_accounts(home.postgres_dsn)
        assert [row[0] for row in accounts] == DEMO_EMAILS
        assert {row[1] for row in accounts} == {"Customer", "Staff", "Manager", "Admin"}
        assert all(row[4] for row in accounts), "demo accounts are verified"
        for demo in DEMO_ACCOUNTS:
            assert demo.email in up.output and demo.password in up.output
        assert f"http://127.0.0.1:{home.api_port}/docs" in up.output
        assert httpx.get(f"{home.api}/docs").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{home.ports.temporal_ui}/").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{home.ports.mailbox}/").status_code == 200

        # Data written while it runs, in each server, must survive the restart.
        _query(home.postgres_dsn, "CREATE TABLE public.cli_probe (note text)")
        _query(home.postgres_dsn, "INSERT INTO public.cli_probe VALUES ('written in run 1')")
        Redis(port=home.ports.redis).set("cli-probe", "run 1")
        first_workflows = _wait_for(lambda: _health_workflow_ids(home))
        assert first_workflows, "the deep health check ran a workflow"

        stop_and_assert_nothing_left(up, home.all_ports())

    # Second run on the same home finds everything; the demo accounts are found, not re-created.
    with cinema_up(home) as up:
        up.wait_ready()
        assert _demo_accounts(home.postgres_dsn) == accounts
        assert "(new)" not in up.output
        assert _query(home.postgres_dsn, "SELECT note FROM public.cli_probe") == [("written in run 1",)]
        assert Redis(port=home.ports.redis).get("cli-probe") == b"run 1"
        assert first_workflows <= _health_workflow_ids(home)

        # `cinema seed` against the running stack, twice: everything is found, nothing changes.
        for _ in range(2):
            seed = subprocess.run([*CINEMA, "seed"], env=home.env, cwd=home.path.parent, capture_output=True,
                                  text=True, timeout=60)
            assert seed.returncode == 0, seed.stdout + seed.stderr
            assert "0 created" in seed.stdout, seed.stdout
            assert "0 created" in seed.stdout
        assert _demo_accounts(home.postgres_dsn) == accounts

        stop_and_assert_nothing_left(up, home.all_ports())


def test_up_scales_out_to_several_api_and_worker_processes(home: Home) -> None:
    """`cinema up --api-workers 2 --workers 2`: two API processes share the port, two workers serve every
    queue (each its own log), and Ctrl-C still stops everything."""
    with cinema_up(home, args=("--api-workers", "2", "--workers", "2")) as up:
        up.wait_ready()
        children = psutil.Process(up.proc.pid).children()
        workers = [p for p in children if "workers.main" in p.cmdline()]
        api = next(p for p in children if "uvicorn" in p.cmdline())
        assert len(workers) == 2 and (home.path / "logs" / "worker-2.log").exists()
        serving = [p for p in api.children() if "spawn_main" in " ".join(p.cmdline())]
        assert len(serving) == 2, [p.cmdline() for p in api.children()]
        assert all(httpx.get(f"{home.api}/api/genres").status_code == 200 for _ in range(10))
        stop_and_assert_nothing_left(up, home.all_ports(), workers=2)


def test_the_api_runs_on_uvloop_and_httptools_without_uvicorns_access_log() -> None:
    argv = api_argv(_settings(api_port=8123), workers=3)
    for flag, value in (("--loop", "uvloop"), ("--http", "httptools"), ("--workers", "3"), ("--port", "8123")):
        assert argv[argv.index(flag) + 1] == value
    assert "--no-access-log" in argv and "--factory" in argv
    assert "--workers" not in api_argv(_settings(), workers=1)


def test_up_refuses_a_taken_port_naming_the_setting(home: Home) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", home.ports.postgres))
        taken.listen()
        result = subprocess.run([*CINEMA, "up"], env=home.env, cwd=home.path.parent, capture_output=True,
                                text=True, timeout=60)
    assert result.returncode == 1
    message = " ".join(result.stdout.replace("│", " ").split())
    assert f"Port {home.ports.postgres} (PostgreSQL) is already in use" in message
    assert "CINEMA_PORTS__POSTGRES" in message
    assert not (home.path / "postgres").exists(), "nothing is started when a port is taken"


def test_up_uses_an_external_database_and_starts_no_postgres(home: Home, servers: Servers) -> None:
    """CINEMA_DATABASE_URL set: `cinema up` migrates and seeds that server and starts no PostgreSQL."""
    session_postgres = f"postgresql://postgres@127.0.0.1:{servers.ports.postgres}"
    database = f"cinema_external_{os.getpid()}"
    _query(f"{session_postgres}/postgres", f"CREATE DATABASE {database}")
    external_url = f"postgresql+asyncpg://postgres@127.0.0.1:{servers.ports.postgres}/{database}"
    env = home.env | {"CINEMA_DATABASE_URL": external_url}
    try:
        with cinema_up(home, env) as up:
            up.wait_ready()
            assert "postgres" not in {p.name() for p in up.descendants()}
            assert "PostgreSQL on" not in up.output
            assert [row[0] for row in _demo_accounts(f"{session_postgres}/{database}")] == DEMO_EMAILS
            ours = [port for port in home.all_ports() if port != home.ports.postgres]
            stop_and_assert_nothing_left(up, ours, servers=3)
    finally:
        _query(f"{session_postgres}/postgres", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


# The demo data and the plan, without starting anything.


def test_demo_accounts_pass_the_apis_email_validation() -> None:
    """A demo account the login form refuses (e.g. on `.local`) would be useless."""
    emails = TypeAdapter(EmailStr)
    for demo in DEMO_ACCOUNTS:
        assert emails.validate_python(demo.email) == demo.email
    assert sorted(demo.role for demo in DEMO_ACCOUNTS) == sorted(Role)


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def test_a_set_url_means_external_so_its_server_is_not_started() -> None:
    assert embedded_servers(_settings()) == ["postgres", "redis", "temporal", "mailbox"]
    settings = _settings(redis_url="redis://cache:6379/0", temporal_address="temporal:7233", smtp_host="smtp")
    assert embedded_servers(settings) == ["postgres"]
    watched = {use.setting for use in ports_needed(settings, embedded_servers(settings), api=True)}
    assert watched == {"CINEMA_PORTS__POSTGRES", "CINEMA_API_PORT"}
    env = service_env(settings)
    assert env["CINEMA_REDIS_URL"] == "redis://cache:6379/0"
    assert env["CINEMA_TEMPORAL_ADDRESS"] == "temporal:7233"
    assert env["CINEMA_SMTP_HOST"] == "smtp" and env["CINEMA_SMTP_PORT"] == "1025"
    assert env["CINEMA_DATABASE_URL"].endswith(f":{settings.ports.postgres}/cinema")


def test_the_readme_documents_every_setting() -> None:
    """Each CINEMA_* variable Settings reads (nested ones with __) has its row in the README."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    names = []
    for name, field in Settings.model_fields.items():
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            names += [f"CINEMA_{name}__{sub}".upper() for sub in nested.model_fields]
        else:
            names.append(f"CINEMA_{name}".upper())
    missing = [name for name in names if f"`{name}`" not in readme]
    assert not missing, f"add these to the README's configuration table: {missing}"


def test_one_port_for_two_servers_is_refused_before_anything_starts() -> None:
    port = free_port()
    settings = _settings(ports=EmbeddedPorts(postgres=port, redis=port))
    with pytest.raises(StartupError, match=f"Port {port} is configured for both PostgreSQL"):
        check_ports(ports_needed(settings, ["postgres", "redis"], api=False))
