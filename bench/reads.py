"""Reads over HTTP on the stack `cinema up` runs, beside a bare FastAPI hello served the same way.

Measured (one stack from bench/stack.py, 50 connections, DURATION seconds each):
- the cached seat map `GET /api/showtimes/{id}/available-seats` of a 200-seat showtime,
- `GET /api/genres` (one small table),
- an unknown route (404 in the error shape),
- the app's cheapest route, `GET /docs/oauth2-redirect` (a fixed page, no I/O: every GET under /api
  reads a server, and /health checks all of them).
Baseline: bench/hello_app.py (a FastAPI app with one route returning a small JSON), run by uvicorn with
the API's own options (cinema/supervisor.py uvicorn_argv: loop, HTTP parser, access log, worker count),
measured first and last; the ratios are against the mean of those two runs.
Load: `wrk` when it is on PATH (`apt-get install wrk`), else a small httpx client in this process. That
fallback is itself the bottleneck (~150 req/s on 2 cores, whatever it asks for), so it only shows that
every target answers; take figures and ratios from wrk.
Run: `.venv/bin/python -m bench.reads [--api-workers N] [--duration S]`. Figures, never thresholds.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.harness import report
from bench.stack import running_stack
from cinema.supervisor import uvicorn_argv
from infra.db import create_engine, make_sessionmaker
from infra.processes import ManagedProcess, free_port, port_open, wait_until
from tests.bookings_support import make_showtime

CONNECTIONS = 50
DURATION = 10.0
WARM_UP = 2.0
LAYOUT = {"rows": 10, "seatsPerRow": 20, "aisles": [4, 16], "vipRows": ["E", "F"], "coupleRows": [],
          "brokenSeats": []}


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors and timeouts
    unexpected: int = 0  # answers with another status than the one checked before the run


# --- the load generators -----------------------------------------------------------------------------


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, duration: float, expected: int = 200) -> Load:
    out = subprocess.run(["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration:.0f}s", "--latency", url],
                         capture_output=True, text=True, check=True, timeout=duration + 30).stdout
    percentiles = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+(\S+)", out, re.MULTILINE))
    if len(percentiles) != 2:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non_2xx = int(match.group(1)) if (match := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return Load(requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
                p50_ms=_ms(percentiles["50"]), p99_ms=_ms(percentiles["99"]), errors=errors,
                unexpected=non_2xx if expected < 300 else total - non_2xx)


def httpx_load(url: str, duration: float, expected: int = 200) -> Load:
    async def run() -> Load:
        latencies: list[float] = []
        errors = unexpected = 0
        limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
        async with httpx.AsyncClient(limits=limits, timeout=10) as client:
            deadline = time.monotonic() + duration

            async def connection() -> None:
                nonlocal errors, unexpected
                while time.monotonic() < deadline:
                    sent = time.perf_counter()
                    try:
                        response = await client.get(url)
                    except httpx.HTTPError:
                        errors += 1
                        continue
                    latencies.append((time.perf_counter() - sent) * 1000)
                    unexpected += response.status_code != expected

            started = time.monotonic()
            await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
            elapsed = time.monotonic() - started
        cuts = statistics.quantiles(latencies, n=100)
        return Load(requests_per_second=len(latencies) / elapsed, p50_ms=cuts[49], p99_ms=cuts[98], errors=errors,
                    unexpected=unexpected)

    return asyncio.run(run())


# --- the run ------------------------------------------------------------------------------------------


async def _showtime(database_url: str) -> uuid.UUID:
    engine = create_engine(database_url)
    try:
        showtime = await make_showtime(make_sessionmaker(engine), layout=LAYOUT)
        return showtime.id  # type: ignore[no-any-return]
    finally:
        await engine.dispose()


def _check(url: str, expected: int) -> None:
    response = httpx.get(url, timeout=10)
    assert response.status_code == expected, f"{url}: {response.status_code} {response.text[:300]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--api-workers", type=int, default=1, help="API processes (and hello processes)")
    parser.add_argument("--duration", type=float, default=DURATION, help="seconds per target")
    args = parser.parse_args()
    measure = wrk if shutil.which("wrk") else httpx_load
    print(f"load generator: {'wrk' if measure is wrk else 'httpx (wrk not on PATH)'}, {CONNECTIONS} connections, "
          f"{args.duration:.0f} s per target, {args.api_workers} API process(es)")

    with running_stack(api_workers=args.api_workers, workers=1) as stack:
        showtime_id = asyncio.run(_showtime(stack.settings.resolved_database_url))
        hello_port = free_port()
        hello = ManagedProcess(name="hello", log_path=Path(stack.settings.home) / "logs" / "hello.log",
                               argv=uvicorn_argv("bench.hello_app:app", host="127.0.0.1", port=hello_port,
                                                 workers=args.api_workers))
        hello.start()
        try:
            wait_until(lambda: port_open(hello_port), timeout=30, what="hello app", proc=hello)
            hello_url = f"http://127.0.0.1:{hello_port}/"
            targets = {
                "cached seat map (200 seats)": (f"{stack.base_url}/api/showtimes/{showtime_id}/available-seats", 200),
                "GET /api/genres": (f"{stack.base_url}/api/genres", 200),
                "unknown route (404)": (f"{stack.base_url}/api/no-such-route", 404),
                "GET /docs/oauth2-redirect (no I/O)": (f"{stack.base_url}/docs/oauth2-redirect", 200),
            }
            _check(hello_url, 200)
            for url, expected in targets.values():
                _check(url, expected)  # and the seat map is cached from here on
            loads: dict[str, Load] = {}
            first_hello = _run(measure, hello_url, 200, args.duration)
            for name, (url, expected) in targets.items():
                loads[name] = _run(measure, url, expected, args.duration)
            last_hello = _run(measure, hello_url, 200, args.duration)
        finally:
            hello.stop()

    baseline = "bare FastAPI hello"
    loads = {baseline: Load(requests_per_second=(first_hello.requests_per_second + last_hello.requests_per_second) / 2,
                            p50_ms=(first_hello.p50_ms + last_hello.p50_ms) / 2,
                            p99_ms=(first_hello.p99_ms + last_hello.p99_ms) / 2,
                            errors=first_hello.errors + last_hello.errors,
                            unexpected=first_hello.unexpected + last_hello.unexpected), **loads}
    notes = {name: f"p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms"
              + (f", {load.errors} socket errors" if load.errors else "")
             + (f", {load.unexpected} with another status" if load.unexpected else "") for name, load in loads.items()}
    notes[baseline] += (f" (mean of {first_hello.requests_per_second:.0f} first and "
                        f"{last_hello.requests_per_second:.0f} last)")
    report(f"Reads over HTTP, {args.api_workers} API process(es) ({'wrk' if measure is wrk else 'httpx'})",
           [(name, load.requests_per_second, "req/s") for name, load in loads.items()], baseline, notes=notes)


def _run(measure: Callable[[str, float, int], Load], url: str, expected: int, duration: float) -> Load:
    measure(url, WARM_UP, expected)
    return measure(url, duration, expected)


if __name__ == "__main__":
    main()
