"""Shared set-up for benchmarks: the embedded servers on free ports in a temporary home, migrated."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.migrate import upgrade
from infra.processes import free_port
from infra.servers import postgres_url, start_servers
from infra.settings import EmbeddedPorts, Settings


@contextmanager
def servers(*, only: tuple[str, ...] = ("postgres", "redis", "temporal", "mailbox")) -> Iterator[Settings]:
    """Settings pointing at fresh embedded servers (in-memory Temporal), removed afterwards."""
    home = Path(tempfile.mkdtemp(prefix="cinema-bench-"))
    ports = EmbeddedPorts(postgres=free_port(), redis=free_port(), temporal=free_port(), temporal_ui=free_port(),
                          smtp=free_port(), mailbox=free_port())
    stack = start_servers(home, ports, temporal_persistent=False, temporal_ui=False, only=only)
    try:
        upgrade(postgres_url(ports.postgres))
        yield Settings(_env_file=None, env="test", home=home, database_url=postgres_url(ports.postgres),  # type: ignore[call-arg]
                       redis_url=f"redis://127.0.0.1:{ports.redis}/0", temporal_address=f"127.0.0.1:{ports.temporal}",
                       smtp_host="127.0.0.1", smtp_port=ports.smtp, api_port=free_port(), ports=ports)
    finally:
        stack.stop()
        shutil.rmtree(home, ignore_errors=True)


def report(title: str, rows: list[tuple[str, float, str]], baseline: str, *,
           notes: dict[str, str] | None = None) -> None:
    """Print `name: value unit (ratio × baseline)` lines, each followed by its note (e.g. latencies), if any."""
    base = next(value for name, value, _ in rows if name == baseline)
    print(f"\n{title}")
    for name, value, unit in rows:
        note = f"  {notes[name]}" if notes and name in notes else ""
        print(f"  {name:<42} {value:>10.1f} {unit:<10} {value / base:>6.2f}× {baseline}{note}")
