"""The whole system for a benchmark: fresh embedded servers plus the API and worker processes, started
the way `cinema up` starts them (same command lines, same environment), and all stopped afterwards.

    with running_stack(api_workers=2, workers=2) as stack:
        httpx.get(f"{stack.base_url}/api/genres")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from bench.harness import servers
from cinema.supervisor import api_argv, api_url, python_module, service_env, wait_http_ok
from infra.processes import ManagedProcess
from infra.settings import Settings

READY_TIMEOUT = 90.0


@dataclass(frozen=True)
class Stack:
    settings: Settings
    base_url: str


# A bench customer holds, gives back and holds again many times a minute: the hold caps are still checked
# (their cost is measured) but set high enough never to refuse.
BENCH_CUSTOMERS = {"CINEMA_MAX_LIVE_HOLDS_PER_SHOWTIME": "1000", "CINEMA_MAX_LIVE_HOLDS_PER_USER": "1000",
                   "CINEMA_LOCK_RATE_LIMIT": "1000000"}


@contextmanager
def running_stack(*, api_workers: int = 1, workers: int = 1, env: dict[str, str] | None = None) -> Iterator[Stack]:
    """Servers, migrations, `workers` worker processes and `api_workers` API processes on one port, ready
    when `/health?deep=true` answers 200. `env` adds CINEMA_* settings for the API and workers."""
    with servers() as settings, ExitStack() as processes:
        child_env = {**service_env(settings), **BENCH_CUSTOMERS, **(env or {})}
        logs = settings.home / "logs"
        procs = [_start(processes, ManagedProcess(name=f"worker-{i}", argv=python_module("workers.main"),
                                                  log_path=logs / f"worker-{i}.log", env=child_env))
                 for i in range(workers)]
        procs.append(_start(processes, ManagedProcess(name="api", argv=api_argv(settings, workers=api_workers),
                                                      log_path=logs / "api.log", env=child_env)))
        base_url = api_url(settings)
        wait_http_ok(f"{base_url}/health?deep=true", timeout=READY_TIMEOUT, procs=procs)
        yield Stack(settings=settings, base_url=base_url)


def _start(processes: ExitStack, proc: ManagedProcess) -> ManagedProcess:
    processes.callback(proc.stop)  # registered first: a failed start is still stopped (newest first)
    return proc.start()
