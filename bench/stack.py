"""The whole system for a benchmark: fresh embedded servers plus the API and worker processes, started
the way `cinema up` starts them (same command lines, same environment), and all stopped afterwards.

    with running_stack(api_workers=2, workers=2) as stack:
        httpx.get(f"{stack.base_url}/api/genres")
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import httpx

from bench.harness import servers
from cinema.supervisor import api_argv, api_url, python_module, service_env
from infra.processes import ManagedProcess
from infra.settings import Settings

READY_TIMEOUT = 90.0


@dataclass(frozen=True)
class Stack:
    settings: Settings
    base_url: str


@contextmanager
def running_stack(*, api_workers: int = 1, workers: int = 1, env: dict[str, str] | None = None) -> Iterator[Stack]:
    """Servers, migrations, `workers` worker processes and `api_workers` API processes on one port, ready
    when `/health?deep=true` answers 200. `env` adds CINEMA_* settings for the API and workers."""
    with servers() as settings, ExitStack() as processes:
        child_env = {**service_env(settings), **(env or {})}
        logs = settings.home / "logs"
        procs = [_start(processes, ManagedProcess(name=f"worker-{i}", argv=python_module("workers.main"),
                                                  log_path=logs / f"worker-{i}.log", env=child_env))
                 for i in range(workers)]
        procs.append(_start(processes, ManagedProcess(name="api", argv=api_argv(settings, workers=api_workers),
                                                      log_path=logs / "api.log", env=child_env)))
        base_url = api_url(settings)
        _wait_ready(f"{base_url}/health?deep=true", procs)
        yield Stack(settings=settings, base_url=base_url)


def _start(processes: ExitStack, proc: ManagedProcess) -> ManagedProcess:
    processes.callback(proc.stop)  # registered first: a failed start is still stopped (newest first)
    return proc.start()


def _wait_ready(url: str, procs: list[ManagedProcess]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    last = "no answer"
    while time.monotonic() < deadline:
        for proc in procs:
            if not proc.running:
                raise RuntimeError(f"{proc.name} exited with code {proc.returncode}:\n{proc.log_tail(20)}")
        try:
            response = httpx.get(url, timeout=10)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:300]}"
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer 200 within {READY_TIMEOUT:.0f}s (last: {last})")
