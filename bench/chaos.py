"""Chaos run: booking sagas over HTTP while the worker is SIGKILLed at random moments and PostgreSQL, Redis and
the (file-backed) Temporal dev server are each restarted once on their own data; then the invariants, by SQL
over the real database, Temporal visibility and the dev mailbox.

Kill moments are random delays (not chosen by state); at each kill the SagaState search attribute of the
running sagas is read and printed, so the steps hit are seen. Run: `.venv/bin/python -m bench.chaos [--sagas N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from bench.customers import customers
from cinema.supervisor import api_argv, api_url, python_module, service_env, wait_http_ok
from domain.promotions import service as promotions_service
from domain.promotions.schemas import VoucherCreate
from domain.shared.time import utcnow
from infra.db import create_engine, make_sessionmaker, unit_of_work
from infra.migrate import upgrade
from infra.processes import ManagedProcess, free_port, port_open, wait_until
from infra.servers import Stack, _redis_ping, postgres_url, start_servers
from infra.settings import EmbeddedPorts, Settings
from infra.temporal import connect_temporal
from tests.bookings_support import make_showtime, seats

# Besides the random kills, one kill right after a saga's lock-seats answered, right after its checkout, right
# after the customer paid (between the payment and the confirmation) and right after a refused payment or a
# hold's end (during compensation).
AIMED = ("lock", "checkout", "paid", "compensation")
KINDS = ("paid", "paid_voucher", "failed_payment", "abandoned_hold", "abandoned_checkout")
LAYOUT = {"rows": 8, "seatsPerRow": 12, "aisles": [6], "vipRows": [], "coupleRows": [], "brokenSeats": []}
RETRYABLE = (httpx.TransportError,)
ASK_TEMPORAL_WITHIN = 10  # seconds for one look at the running sagas; a restarting server may not answer
CALL_WITHIN = 120  # seconds one step of a saga keeps retrying (the API bounds a saga wait at 30 s)
REQUEST_WITHIN = 35  # seconds for one HTTP answer
WATCHDOG_AFTER = 360  # seconds after which a run still going prints its tasks' stacks


@dataclass
class Chaos:
    home: Path
    settings: Settings
    servers: Stack
    worker: ManagedProcess
    api: ManagedProcess
    kills: list[str] = field(default_factory=list)
    restarts: list[str] = field(default_factory=list)
    # Steps still to be hit by a kill right after a saga reaches them (once each): see one_saga.
    aimed: set[str] = field(default_factory=lambda: set(AIMED))
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def _settings(home: Path, ports: EmbeddedPorts) -> Settings:
    return Settings(_env_file=None, env="test", home=home, database_url=postgres_url(ports.postgres),  # type: ignore[call-arg]
                    redis_url=f"redis://127.0.0.1:{ports.redis}/0", temporal_address=f"127.0.0.1:{ports.temporal}",
                    smtp_host="127.0.0.1", smtp_port=ports.smtp, api_port=free_port(), ports=ports)


def start(hold_seconds: int) -> Chaos:
    """Own home, own ports: servers (Temporal file-backed), migrations, one worker and one API process."""
    home = Path(tempfile.mkdtemp(prefix="cinema-chaos-"))
    ports = EmbeddedPorts(postgres=free_port(), redis=free_port(), temporal=free_port(), temporal_ui=free_port(),
                          smtp=free_port(), mailbox=free_port())
    servers = start_servers(home, ports, temporal_persistent=True, temporal_ui=False)
    upgrade(postgres_url(ports.postgres))
    settings = _settings(home, ports)
    env = {**service_env(settings), "CINEMA_SEAT_HOLD_SECONDS": str(hold_seconds)}
    logs = home / "logs"
    worker = ManagedProcess(name="worker", argv=python_module("workers.main"), log_path=logs / "worker.log", env=env)
    api = ManagedProcess(name="api", argv=api_argv(settings, workers=1), log_path=logs / "api.log", env=env)
    chaos = Chaos(home=home, settings=settings, servers=servers, worker=worker.start(), api=api.start())
    wait_http_ok(f"{api_url(settings)}/health?deep=true", timeout=90, procs=[worker, api])
    return chaos


def stop(chaos: Chaos, *, keep_home: bool = False) -> None:
    for proc in (chaos.api, chaos.worker):
        proc.stop()
    chaos.servers.stop()
    if not keep_home:
        shutil.rmtree(chaos.home, ignore_errors=True)


def restart_server(chaos: Chaos, name: str) -> float:
    """Stop one embedded server and start it again on the same data directory and port; seconds it was away."""
    proc, ports, began = chaos.servers.get(name), chaos.settings.ports, time.monotonic()
    assert ports is not None
    proc.stop()
    proc.start()
    ready: dict[str, Callable[[], bool]] = {
        "postgres": lambda: port_open(ports.postgres),
        "redis": lambda: _redis_ping(ports.redis),
        "temporal": lambda: port_open(ports.temporal),
    }
    wait_until(ready[name], timeout=60, what=name, proc=proc)
    chaos.restarts.append(name)
    return time.monotonic() - began


async def saga_states(chaos: Chaos) -> Counter[str]:
    """The SagaState of every running booking saga (empty if Temporal cannot answer right now)."""
    states: Counter[str] = Counter()
    # Bounded: while Temporal restarts, a connect or list can wait without end (and this runs under the lock
    # every saga's aimed kill waits for); a TimeoutError is an Exception, so it is suppressed too.
    with suppress(Exception):
        async with asyncio.timeout(ASK_TEMPORAL_WITHIN):
            temporal = await connect_temporal(chaos.settings.resolved_temporal_address)
            query = 'WorkflowType = "BookingWorkflow" AND ExecutionStatus = "Running"'
            async for wf in temporal.list_workflows(query):
                value = (wf.search_attributes or {}).get("SagaState") or ["?"]
                states[str(value[0])] += 1
    return states


async def kill_worker(chaos: Chaos, down: float, why: str = "random") -> None:
    async with chaos.lock:
        states = await saga_states(chaos)
        chaos.worker.kill()  # SIGKILL: in-flight activities and workflow tasks are simply lost
        chaos.kills.append(f"{why}: " + (", ".join(f"{k}={v}" for k, v in sorted(states.items()))
                                         or "no saga running"))
        await asyncio.sleep(down)
        chaos.worker.start()


async def aim(chaos: Chaos, step: str) -> None:
    """Kill the worker now if no saga has been hit at `step` yet."""
    if step in chaos.aimed:
        chaos.aimed.discard(step)
        await kill_worker(chaos, 1.0, why=f"after {step}")


async def havoc(chaos: Chaos, duration: float, kills: int, rng: random.Random) -> None:
    """Worker kills at random moments over `duration`; the three server restarts at a third, half and 2/3."""
    events: list[tuple[float, str]] = [(rng.uniform(0.5, duration), "kill") for _ in range(kills)]
    events += [(duration * 0.33, "postgres"), (duration * 0.5, "redis"), (duration * 0.66, "temporal")]
    began = time.monotonic()
    for at, what in sorted(events):
        await asyncio.sleep(max(0.0, at - (time.monotonic() - began)))
        if what == "kill":
            await kill_worker(chaos, rng.uniform(0.3, 2.0))
        else:
            away = await asyncio.to_thread(restart_server, chaos, what)
            print(f"  restarted {what} ({away:.1f}s)", flush=True)


async def call(client: httpx.AsyncClient, method: str, url: str, *, ok: Callable[[httpx.Response], bool],
               within: float = CALL_WITHIN, **kw: Any) -> httpx.Response:
    """What a patient app does: retry on a lost connection or a 5xx/503 while a server restarts, for `within`
    seconds at most (then the last answer, or RuntimeError if none came)."""
    response: httpx.Response | None = None
    deadline, tries = time.monotonic() + within, 0
    while True:
        tries += 1
        try:
            response = await client.request(method, url, **kw)
        except RETRYABLE as error:
            why = type(error).__name__
        else:
            if ok(response) or response.status_code < 500:
                return response
            why = str(response.status_code)
        if time.monotonic() >= deadline:
            break
        if tries in (1, 10, 50):
            print(f"  {method} {url.split('?')[0][:60]}: {why}, retrying", flush=True)
        await asyncio.sleep(0.5)
    if response is None:
        raise RuntimeError(f"{method} {url}: no answer in {within:.0f}s ({tries} tries)")
    return response


@dataclass
class Saga:
    kind: str
    booking_id: str | None = None
    note: str = ""


async def one_saga(chaos: Chaos, client: httpx.AsyncClient, headers: dict[str, str], kind: str, showtime_id: uuid.UUID,
                   pair: list[str], voucher: str) -> Saga:
    saga = Saga(kind)
    held = await call(client, "POST", "/api/bookings/lock-seats", ok=lambda r: r.status_code == 201,
                      headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
                      json={"showtimeId": str(showtime_id), "seatIds": pair})
    if held.status_code != 201:
        saga.note = f"lock-seats {held.status_code}: {held.text[:120]}"
        return saga
    saga.booking_id = held.json()["bookingId"]
    await aim(chaos, "lock")
    if kind == "abandoned_hold":
        return saga
    body = {"bookingId": saga.booking_id, "paymentMethod": "VNPay"}
    if kind == "paid_voucher":
        body["voucherCode"] = voucher
    out = await call(client, "POST", "/api/bookings", ok=lambda r: r.status_code == 201, headers=headers, json=body)
    if out.status_code != 201:
        saga.note = f"checkout {out.status_code}: {out.text[:120]}"
        return saga
    await aim(chaos, "checkout")
    if kind == "abandoned_checkout":
        return saga
    pay_url = out.json()["paymentUrl"]
    await call(client, "GET", pay_url, ok=lambda r: r.status_code == 200)
    action = "cancel" if kind == "failed_payment" else "pay"
    done = await call(client, "POST", pay_url, ok=lambda r: r.status_code == 302, data={"action": action})
    saga.note = f"gateway {action} {done.status_code}"
    await aim(chaos, "compensation" if kind == "failed_payment" else "paid")
    return saga


async def wait_all_closed(chaos: Chaos, timeout: float) -> int:
    """Seconds until no BookingWorkflow or RefundWorkflow runs; the number still running at the deadline."""
    deadline, running = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        with suppress(Exception):
            async with asyncio.timeout(ASK_TEMPORAL_WITHIN):
                temporal = await connect_temporal(chaos.settings.resolved_temporal_address)
                query = ('(WorkflowType = "BookingWorkflow" OR WorkflowType = "RefundWorkflow") '
                         'AND ExecutionStatus = "Running"')
                running = (await temporal.count_workflows(query)).count
            if running == 0:
                return 0
        if int(deadline - time.monotonic()) % 15 == 0:
            print(f"  {running} sagas still running", flush=True)
        await asyncio.sleep(1)
    return running


@dataclass
class Check:
    name: str
    count: int  # violations
    seen: int  # what was looked at

    @property
    def passed(self) -> bool:
        return self.count == 0


async def invariants(chaos: Chaos, sagas: list[Saga], voucher: str, customer_emails: dict[str, str]) -> list[Check]:
    checks: list[Check] = []
    temporal = await connect_temporal(chaos.settings.resolved_temporal_address)
    ids = [s.booking_id for s in sagas if s.booking_id]
    outcomes: Counter[str] = Counter()
    for booking_id in ids:
        desc = await temporal.get_workflow_handle(f"booking-{booking_id}").describe()
        status = desc.status.name if desc.status else "?"
        if status == "COMPLETED":
            result = await temporal.get_workflow_handle(f"booking-{booking_id}").result()
            state = getattr(result, "state", None) or (result.get("state") if isinstance(result, dict) else "?")
            outcome = getattr(result, "outcome", None) or (result.get("outcome") if isinstance(result, dict) else "")
            outcomes[f"{state}/{outcome}"] += 1
            saga = next(s for s in sagas if s.booking_id == booking_id)
            if saga.kind.startswith("paid") and str(outcome) != "CONFIRMED":
                print(f"  note: a {saga.kind} saga ({saga.note}) ended {state}/{outcome}: booking {booking_id}")
        else:
            outcomes[f"workflow {status}"] += 1
    bad = sum(n for k, n in outcomes.items() if not k.startswith(("COMPLETED/", "COMPENSATED/")))
    print("  saga outcomes: " + ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items())))
    checks.append(Check("sagas ended Completed or Compensated", bad, len(ids)))

    engine = create_engine(chaos.settings.resolved_database_url)
    try:
        async with engine.connect() as db:
            async def one(sql: str, **kw: Any) -> int:
                return int((await db.execute(text(sql), kw)).scalar() or 0)

            checks.append(Check("seats Locked past their hold", await one(
                "SELECT count(*) FROM showtimes.showtime_seat WHERE status = 'Locked' AND locked_until < now()"),
                await one("SELECT count(*) FROM showtimes.showtime_seat WHERE booking_id IS NOT NULL")))
            confirmed = await one("SELECT count(*) FROM bookings.booking WHERE status = 'Confirmed'")
            checks.append(Check("Confirmed bookings (tickets) without a settled payment of their amount", await one(
                "SELECT count(*) FROM bookings.booking b WHERE b.status = 'Confirmed' AND b.final_amount > 0 "
                "AND NOT EXISTS (SELECT 1 FROM payments.payment p WHERE p.booking_id = b.id "
                "AND p.status = 'Success' AND p.paid_amount = b.final_amount AND p.refunded_amount = 0)"), confirmed))
            settled = await one("SELECT count(*) FROM payments.payment WHERE paid_amount IS NOT NULL")
            checks.append(Check("settled payments without a Confirmed booking or a full refund", await one(
                "SELECT count(*) FROM payments.payment p WHERE p.paid_amount IS NOT NULL "
                "AND p.refunded_amount < p.paid_amount AND NOT EXISTS (SELECT 1 FROM bookings.booking b "
                "WHERE b.id = p.booking_id AND b.status = 'Confirmed')"), settled))
            checks.append(Check("bookings whose points were earned other than once (Confirmed) / kept (not)", await one(
                "SELECT count(*) FROM bookings.booking b WHERE "
                "(SELECT coalesce(sum(l.points), 0) <> 0 FROM promotions.loyalty_transaction l "
                " WHERE l.booking_id = b.id) <> (b.status = 'Confirmed') "
                "OR (SELECT count(*) FROM promotions.loyalty_transaction l WHERE l.booking_id = b.id "
                "    AND l.type = 'Earn') > 1"), await one("SELECT count(*) FROM bookings.booking")))
            used = await one("SELECT count(*) FROM promotions.voucher_reservation r JOIN promotions.voucher v "
                             "ON v.id = r.voucher_id WHERE v.code = :c AND r.status = 'Used'", c=voucher)
            counted = await one("SELECT used_count FROM promotions.voucher WHERE code = :c", c=voucher)
            with_voucher = await one("SELECT count(*) FROM bookings.booking WHERE voucher_code = :c "
                                     "AND status = 'Confirmed'", c=voucher)
            checks.append(Check(f"voucher uses (used_count {counted}, Used rows {used}) != Confirmed bookings "
                                f"with it ({with_voucher})", abs(used - with_voucher) + abs(counted - with_voucher),
                                with_voucher))
            paid = await one("SELECT coalesce(sum(paid_amount), 0) FROM payments.payment")
            refunded = await one("SELECT coalesce(sum(refunded_amount), 0) FROM payments.payment")
            sold = await one("SELECT coalesce(sum(final_amount), 0) FROM bookings.booking WHERE status = 'Confirmed'")
            print(f"  money: paid {paid:,} − refunded {refunded:,} = {paid - refunded:,}; "
                  f"Confirmed bookings {sold:,} VND")
            checks.append(Check("money: paid − refunded ≠ Confirmed bookings' amounts", abs(paid - refunded - sold),
                                confirmed))
            statuses = dict((await db.execute(text(
                "SELECT id::text, status FROM bookings.booking"))).all())
    finally:
        await engine.dispose()
    checks.append(await mails_once(chaos, sagas, statuses, customer_emails))
    return checks


async def mails_once(chaos: Chaos, sagas: list[Saga], statuses: dict[str, str],
                     emails: dict[str, str]) -> Check:
    """One confirmation mail per Confirmed booking, none for the others (each customer books once)."""
    async with httpx.AsyncClient(base_url=chaos.settings.resolved_mailbox_url, timeout=30) as mailbox:
        messages = (await mailbox.get("/api/messages", params={"limit": 100_000})).json()
    confirmations = Counter(to for m in messages if "Booking confirmed" in m["subject"] for to in m["to"])
    wrong = 0
    for saga in sagas:
        if not saga.booking_id:
            continue
        expected = 1 if statuses.get(saga.booking_id) == "Confirmed" else 0
        wrong += confirmations.get(emails[saga.booking_id], 0) != expected
    return Check("bookings whose confirmation mail was not sent exactly once (or sent unconfirmed)", wrong,
                 sum(confirmations.values()))


async def prepare(chaos: Chaos, n: int) -> tuple[uuid.UUID, list[list[str]], list[dict[str, str]], str]:
    engine = create_engine(chaos.settings.resolved_database_url)
    try:
        sessionmaker = make_sessionmaker(engine)
        showtime = await make_showtime(sessionmaker, layout=LAYOUT)
        ordered = sorted((await seats(sessionmaker, showtime.id)).values(), key=lambda s: (s.row, s.number))
        pairs = [[str(ordered[i].seat_id), str(ordered[i + 1].seat_id)] for i in range(0, 2 * n, 2)]
        code, now = f"CHAOS{uuid.uuid4().hex[:6]}".upper(), utcnow()
        async with unit_of_work(sessionmaker) as session:
            await promotions_service.create_voucher(session, data=VoucherCreate.model_validate({
                "code": code, "type": "Percentage", "value": 20, "minPurchase": 100_000, "maxDiscount": 50_000,
                "startsAt": (now - timedelta(hours=1)).isoformat(), "endsAt": (now + timedelta(days=7)).isoformat()}))
        return showtime.id, pairs, await customers(chaos.settings, n), code
    finally:
        await engine.dispose()


async def run(chaos: Chaos, *, n: int, kills: int, hold_seconds: int, seed: int) -> list[Check]:
    rng = random.Random(seed)
    showtime_id, pairs, people, voucher = await prepare(chaos, n)
    emails_by_header = await emails_of(chaos, people)
    kinds = [KINDS[i % len(KINDS)] for i in range(n)]
    rng.shuffle(kinds)
    spread = 1.2  # seconds between saga starts, so kills and restarts land on every step
    duration = n * spread + 8
    async with httpx.AsyncClient(base_url=api_url(chaos.settings), timeout=REQUEST_WITHIN) as client:
        async def later(i: int) -> Saga:
            await asyncio.sleep(i * spread)
            started = time.monotonic()
            saga = await one_saga(chaos, client, people[i], kinds[i], showtime_id, pairs[i], voucher)
            print(f"  saga {i} ({kinds[i]}) driven in {time.monotonic() - started:.1f}s: {saga.note or 'held'}",
                  flush=True)
            return saga

        began = time.monotonic()
        watchdog = asyncio.create_task(dump_tasks_after(WATCHDOG_AFTER))
        chaos_task = asyncio.create_task(havoc(chaos, duration, kills, rng))
        sagas = list(await asyncio.gather(*(later(i) for i in range(n))))
        await chaos_task
        print(f"  {n} sagas started and driven in {time.monotonic() - began:.0f}s", flush=True)
    for i, saga in enumerate(sagas):
        if saga.note and not saga.note.startswith("gateway"):
            print(f"  saga {i} ({saga.kind}): {saga.note}")
    left = await wait_all_closed(chaos, timeout=hold_seconds + 120)
    print(f"  still running at the deadline: {left}")
    emails = {s.booking_id: emails_by_header[i] for i, s in enumerate(sagas) if s.booking_id}
    print(f"  worker SIGKILLs: {len(chaos.kills)}; server restarts: {', '.join(chaos.restarts)}")
    for i, states in enumerate(chaos.kills):
        print(f"    kill {i + 1}: running sagas by SagaState: {states}")
    try:
        checks = await invariants(chaos, sagas, voucher, emails)
    finally:
        watchdog.cancel()
    unheld = [i for i, saga in enumerate(sagas) if not saga.booking_id]
    return [Check(f"sagas whose seats were never held (no 201 within {CALL_WITHIN}s of retries): {unheld}",
                  len(unheld), n), *checks]


async def dump_tasks_after(seconds: float) -> None:
    """If the run is still going after `seconds`, print where each of its tasks waits (a hang's diagnosis)."""
    await asyncio.sleep(seconds)
    print(f"  still running after {seconds:.0f}s; the tasks wait here:", flush=True)
    for task in asyncio.all_tasks():
        if task is not asyncio.current_task():
            task.print_stack(limit=6, file=sys.stdout)
    sys.stdout.flush()


async def emails_of(chaos: Chaos, people: list[dict[str, str]]) -> list[str]:
    out = []
    async with httpx.AsyncClient(base_url=api_url(chaos.settings), timeout=30) as client:
        for headers in people:
            me = await client.get("/api/users/me", headers=headers)
            out.append(me.json().get("email", ""))
    return out


def report(checks: list[Check]) -> bool:
    print("\nInvariants:")
    for c in checks:
        print(f"  {'PASS' if c.passed else 'FAIL'}  {c.name}: {c.count} (of {c.seen})")
    return all(c.passed for c in checks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sagas", type=int, default=25)
    parser.add_argument("--kills", type=int, default=8, help="worker SIGKILLs at random moments")
    parser.add_argument("--hold-seconds", type=int, default=30, help="CINEMA_SEAT_HOLD_SECONDS for the run")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the home folder (logs, data) afterwards")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    began = time.monotonic()
    print(f"Chaos run: {args.sagas} sagas, {args.kills} worker kills, hold {args.hold_seconds}s, seed {seed}")
    chaos = start(args.hold_seconds)
    print(f"  home {chaos.home}")
    try:
        checks = asyncio.run(run(chaos, n=args.sagas, kills=args.kills, hold_seconds=args.hold_seconds, seed=seed))
    finally:
        stop(chaos, keep_home=args.keep)
    ok = report(checks)
    print(f"{'PASS' if ok else 'FAIL'} in {time.monotonic() - began:.0f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
