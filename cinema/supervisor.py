"""What `cinema up` and `cinema stack` run: the plan (which servers, which ports), the steps with
their progress, and the one rule of shutdown: everything started is stopped, newest first.

Every child is started from the main thread (PR_SET_PDEATHSIG in infra.processes is tied to the
thread that forked), runs in its own session so the terminal's Ctrl-C reaches only us, and is
stopped by us in reverse order: API and worker first, servers last, so no request or activity is
cut off from its database and PostgreSQL, Redis and Temporal shut down cleanly with their data.
"""

from __future__ import annotations

import errno
import signal
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx
import psutil
from rich.console import Console

from infra.processes import ManagedProcess
from infra.servers import start_servers
from infra.settings import Settings

SERVERS = ("postgres", "redis", "temporal", "mailbox")
SERVER_TITLES = {"postgres": "PostgreSQL", "redis": "Redis", "temporal": "Temporal (with Web UI)",
                 "mailbox": "Mail server (SMTP + inbox)"}
LOOPBACK = "127.0.0.1"


class StartupError(RuntimeError):
    """A step of the start-up failed; the message says what to do about it."""


# --- The plan ---------------------------------------------------------------------------------


def embedded_servers(settings: Settings) -> list[str]:
    """The servers to run here: each one whose URL setting is unset (a set URL means "external")."""
    external = {"postgres": settings.database_url, "redis": settings.redis_url,
                "temporal": settings.temporal_address, "mailbox": settings.smtp_host}
    return [name for name in SERVERS if not external[name]]


@dataclass(frozen=True)
class PortUse:
    port: int
    what: str
    setting: str
    host: str = LOOPBACK


def ports_needed(settings: Settings, servers: list[str], *, api: bool) -> list[PortUse]:
    """Every port we are about to listen on, with the setting that moves it."""
    p = settings.ports
    per_server = {
        "postgres": [PortUse(p.postgres, "PostgreSQL", "CINEMA_PORTS__POSTGRES")],
        "redis": [PortUse(p.redis, "Redis", "CINEMA_PORTS__REDIS")],
        "temporal": [PortUse(p.temporal, "Temporal gRPC", "CINEMA_PORTS__TEMPORAL"),
                     PortUse(p.temporal_ui, "Temporal Web UI", "CINEMA_PORTS__TEMPORAL_UI")],
        "mailbox": [PortUse(p.smtp, "SMTP", "CINEMA_PORTS__SMTP"),
                    PortUse(p.mailbox, "mail inbox", "CINEMA_PORTS__MAILBOX")],
    }
    uses = [use for name in servers for use in per_server[name]]
    if api:
        uses.append(PortUse(settings.api_port, "API", "CINEMA_API_PORT", settings.api_host))
    return uses


def port_in_use(port: int, host: str = LOOPBACK) -> bool:
    """True when something listens on `port` (binding is the test servers themselves would fail)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no conflict
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def check_ports(uses: list[PortUse]) -> None:
    """Fail before starting anything when a port is taken or given to two servers."""
    seen: dict[int, PortUse] = {}
    for use in uses:
        if use.port in seen:
            first = seen[use.port]
            raise StartupError(f"Port {use.port} is configured for both {first.what} ({first.setting}) "
                               f"and {use.what} ({use.setting}); give one another port.")
        seen[use.port] = use
        if port_in_use(use.port, use.host):
            raise StartupError(
                f"Port {use.port} ({use.what}) is already in use on {use.host}. Is another `cinema up` or "
                f"`cinema stack` running? Stop it, or pick a free port with {use.setting}=<port>.")


def connect_host(host: str) -> str:
    """Where a client reaches a server bound to `host` (a wildcard bind is reached on loopback)."""
    return LOOPBACK if host in ("", "0.0.0.0", "::") else host


def api_url(settings: Settings) -> str:
    return f"http://{connect_host(settings.api_host)}:{settings.api_port}"


def service_env(settings: Settings) -> dict[str, str]:
    """CINEMA_* for the API and worker: the resolved addresses, so they use exactly our servers."""
    return {
        "CINEMA_ENV": settings.env,
        "CINEMA_HOME": str(settings.home.resolve()),
        "CINEMA_DATABASE_URL": settings.resolved_database_url,
        "CINEMA_REDIS_URL": settings.resolved_redis_url,
        "CINEMA_TEMPORAL_ADDRESS": settings.resolved_temporal_address,
        "CINEMA_TEMPORAL_NAMESPACE": settings.temporal_namespace,
        "CINEMA_TEMPORAL_UI_URL": settings.resolved_temporal_ui_url,
        "CINEMA_SMTP_HOST": settings.resolved_smtp_host,
        "CINEMA_SMTP_PORT": str(settings.resolved_smtp_port),
        "CINEMA_MAILBOX_URL": settings.resolved_mailbox_url,
        "CINEMA_API_HOST": settings.api_host,
        "CINEMA_API_PORT": str(settings.api_port),
        "PYTHONUNBUFFERED": "1",  # logs reach the log files as they happen
    }


# How the API is served, by `cinema up`, `cinema api` and the benchmarks alike: uvloop and httptools
# (uvicorn's fast loop and parser, about twice the requests per second of its pure-Python defaults),
# and no uvicorn access log (a formatted line per request through `logging` costs about as much as a
# small route); api/middleware.py logs each request on `cinema.access` at DEBUG instead.
# No `server: uvicorn` header (issue 11).
API_SERVER_OPTIONS: dict[str, str | bool] = {"loop": "uvloop", "http": "httptools", "access_log": False,
                                             "server_header": False}


def proxy_options(trusted_proxies: list[str]) -> dict[str, str | bool]:
    """uvicorn believes X-Forwarded-For/-Proto only from the configured proxies (CINEMA_TRUSTED_PROXIES),
    none by default: uvicorn's own default trusts them from 127.0.0.1, so any local client (or a proxy that
    passes the header on) could name its own address and get fresh login attempts per request."""
    if not trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(trusted_proxies)}


def uvicorn_argv(app: str, *, host: str, port: int, workers: int = 1, factory: bool = False,
                 trusted_proxies: list[str] | None = None) -> list[str]:
    """`python -m uvicorn …` for `app` with API_SERVER_OPTIONS; N workers share the port (uvicorn --workers)."""
    argv = python_module("uvicorn", app, "--host", host, "--port", str(port),
                         "--loop", str(API_SERVER_OPTIONS["loop"]), "--http", str(API_SERVER_OPTIONS["http"]))
    if not API_SERVER_OPTIONS["access_log"]:
        argv.append("--no-access-log")
    if not API_SERVER_OPTIONS["server_header"]:
        argv.append("--no-server-header")
    proxies = proxy_options(trusted_proxies or [])
    if proxies["proxy_headers"]:
        argv += ["--proxy-headers", "--forwarded-allow-ips", str(proxies["forwarded_allow_ips"])]
    else:
        argv.append("--no-proxy-headers")
    if factory:
        argv.append("--factory")
    if workers > 1:
        argv += ["--workers", str(workers)]
    return argv


def api_argv(settings: Settings, *, workers: int = 1) -> list[str]:
    """The API process(es) `cinema up` starts: `workers` uvicorn processes on the API port."""
    return uvicorn_argv("api.app:create_app", host=settings.api_host, port=settings.api_port, workers=workers,
                        factory=True, trusted_proxies=settings.trusted_proxy_list)


# --- Running it -------------------------------------------------------------------------------


def wait_http_ok(url: str, *, timeout: float, procs: list[ManagedProcess]) -> None:
    """Poll `url` until it answers 200; fail early, with the log tail, if one of `procs` exits."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        for proc in procs:
            if not proc.running:
                raise StartupError(f"{proc.name} exited with code {proc.returncode}; the end of "
                                   f"{proc.log_path}:\n{proc.log_tail(20)}")
        try:
            response = httpx.get(url, timeout=10)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:500]}"
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.25)
    raise StartupError(f"{url} did not answer 200 within {timeout:.0f}s (last: {last}).")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class Supervisor:
    """Starts steps with a spinner and their timing, keeps every process, stops them newest first."""

    def __init__(self, settings: Settings, console: Console) -> None:
        self.settings = settings
        self.console = console
        self.home = settings.home.resolve()
        self.logs = self.home / "logs"
        self.processes: list[ManagedProcess] = []
        self._stopping = False

    def __enter__(self) -> Supervisor:
        # SIGTERM (systemd, `kill`, a test) stops us the same careful way as Ctrl-C.
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGINT, _interrupt)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        started = time.monotonic()
        with self.console.status(f"{title}…", spinner="dots"):
            try:
                yield
            except KeyboardInterrupt:
                self.console.print(f"[yellow]⏹[/] {title} [dim](interrupted)[/]")
                raise
            except BaseException:
                self.console.print(f"[red]✗[/] {title} [dim]({time.monotonic() - started:.1f}s)[/]")
                raise
        self.console.print(f"[green]✓[/] {title} [dim]({time.monotonic() - started:.1f}s)[/]")

    # Starting

    def start_servers(self, names: list[str]) -> None:
        ports = self.settings.ports
        detail = {"postgres": f"{LOOPBACK}:{ports.postgres}", "redis": f"{LOOPBACK}:{ports.redis}",
                  "temporal": f"{LOOPBACK}:{ports.temporal}, UI :{ports.temporal_ui}",
                  "mailbox": f"SMTP {LOOPBACK}:{ports.smtp}, inbox :{ports.mailbox}"}
        for name in names:
            with self.step(f"{SERVER_TITLES[name]} on {detail[name]}"):
                try:
                    stack = start_servers(self.home, ports, only=(name,))
                except (RuntimeError, TimeoutError, OSError) as exc:
                    raise StartupError(f"{SERVER_TITLES[name]} did not start: {exc}\n"
                                       f"See {self.logs / (name + '.log')}") from exc
                self.processes.extend(stack.processes)

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> ManagedProcess:
        proc = ManagedProcess(name=name, argv=argv, log_path=self.logs / f"{name}.log", env=env)
        self.processes.append(proc)  # before start: a signal mid-start still finds it to stop
        return proc.start()

    def wait_http_ok(self, url: str, *, timeout: float, procs: list[ManagedProcess]) -> None:
        """Poll `url` until it answers 200; fail early, with the log tail, if one of `procs` exits."""
        try:
            wait_http_ok(url, timeout=timeout, procs=procs)
        except StartupError as exc:
            raise StartupError(f"{exc}\nSee the logs in {self.logs}") from None

    # Running

    def watch(self) -> ManagedProcess | None:
        """Block until Ctrl-C/SIGTERM (returns None) or until a process exits by itself (returns it)."""
        try:
            while True:
                for proc in self.processes:
                    if not proc.running:
                        return proc
                time.sleep(0.5)
        except KeyboardInterrupt:
            return None

    # Stopping

    def stop(self) -> None:
        if self._stopping or not self.processes:
            return
        self._stopping = True
        # A second Ctrl-C must not cut the shutdown short (that is how data gets lost).
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.console.print("[yellow]Still stopping, please wait…[/]"))
        self.console.print()
        for proc in reversed(self.processes):
            if proc.running:
                with self.step(f"Stopping {proc.name}"):
                    proc.stop()
        self.processes.clear()
        _reap_strays()
        self.console.print("[green]Stopped.[/] Data kept in " + str(self.home))


def _reap_strays(timeout: float = 10.0) -> None:
    """Last resort: a child started but not yet recorded when a signal came is stopped here."""
    strays = psutil.Process().children()
    for child in strays:
        try:
            child.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(strays, timeout=timeout)
    for child in alive:
        child.kill()


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
