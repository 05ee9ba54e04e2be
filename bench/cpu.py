"""CPU seconds spent by this process and every process it started (the stack), grouped by role: what one
operation costs each part of the system, whatever else the machine is doing."""

from __future__ import annotations

import os
from collections import Counter

import psutil

ROLES = (("api.app", "API"), ("workers.main", "worker"), ("temporal", "Temporal"), ("postgres", "PostgreSQL"),
         ("redis-server", "Redis"), ("infra.mailbox", "mail server"))


def _role(process: psutil.Process) -> str:
    if process.pid == os.getpid():
        return "load generator"
    command = " ".join(process.cmdline())
    return next((role for needle, role in ROLES if needle in command), "other")


def cpu_seconds() -> Counter[str]:
    """Total user+system CPU seconds so far, per role (processes that ended since are not counted)."""
    me, used = psutil.Process(), Counter[str]()
    for process in [me, *me.children(recursive=True)]:
        try:
            times = process.cpu_times()
            used[_role(process)] += times.user + times.system
        except psutil.Error:
            continue
    return used


def per_operation(before: Counter[str], after: Counter[str], operations: int) -> str:
    """`role 12.3 ms, …` of CPU per operation between two readings, largest first."""
    spent = {role: (after[role] - before.get(role, 0.0)) / operations for role in after}
    total = sum(spent.values())
    parts = [f"{role} {seconds * 1000:.1f}" for role, seconds in sorted(spent.items(), key=lambda kv: -kv[1])
             if seconds > 0.0001]
    return f"{total * 1000:.0f} ms CPU each: " + ", ".join(parts) + " ms"
