"""The command line of the HTTP benchmarks: `--api-workers N --workers N`, then the run on a fresh stack."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable

from bench.stack import running_stack
from infra.settings import Settings

Run = Callable[[Settings, str, str], Awaitable[None]]


def run_on_stack(doc: str, run: Run) -> None:
    """Parse the scale-out flags and call `run(settings, base_url, label)` on a stack started with them."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--api-workers", type=int, default=1, help="API processes (uvicorn --workers)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    args = parser.parse_args()
    label = f"{args.api_workers} API process(es), {args.workers} worker(s)"
    with running_stack(api_workers=args.api_workers, workers=args.workers) as stack:
        asyncio.run(run(stack.settings, stack.base_url, label))
