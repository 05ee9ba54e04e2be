"""`cinema events …`: watch the event streams, see how far behind the relay and each consumer group are,
and list or replay dead letters (infra/events/health.py). Uses the same settings as every other command."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Annotated, TypeVar

import typer
from redis.asyncio import Redis
from redis.exceptions import RedisError
from rich.console import Console
from rich.table import Table
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.contracts.events import Topic
from domain.shared.time import LOCAL_TZ
from infra.db import create_engine
from infra.events import health
from infra.redis import create_redis
from infra.settings import Settings, get_settings

events_app = typer.Typer(help="The event streams: tail them, check lag, list and replay dead letters.",
                         no_args_is_help=True)
console = Console(highlight=False)

T = TypeVar("T")
TAIL_BLOCK_MS = 1000
DATA_WIDTH = 80


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]✗[/] {message}")
    return typer.Exit(1)


def _run(settings: Settings, work: Callable[[Redis, AsyncEngine], Awaitable[T]]) -> T:
    """Run `work` with a Redis client and an engine built from the settings; unreachable servers exit 1."""
    async def main() -> T:
        redis, engine = create_redis(settings.resolved_redis_url), create_engine(settings.resolved_database_url,
                                                                                 pool_size=1)
        try:
            return await work(redis, engine)
        finally:
            await redis.aclose()
            await engine.dispose()

    database = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
    try:
        return asyncio.run(main())
    except RedisError as exc:
        raise _fail(f"Cannot reach Redis at {settings.resolved_redis_url} ({exc}). Start the servers with "
                    "`cinema stack` (or `cinema up`), or point CINEMA_REDIS_URL at a running server.") from None
    except OSError as exc:
        raise _fail(f"Cannot reach PostgreSQL at {database} ({exc}). Start the servers with `cinema stack` "
                    "(or `cinema up`), or point CINEMA_DATABASE_URL at a running server.") from None
    except DBAPIError as exc:
        raise _fail(f"PostgreSQL at {database} refused the query ({exc.orig}). "
                    "Is the database migrated (`cinema migrate`)?") from None


def _local(moment: datetime | str) -> str:
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return when.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.1f}s"
    if seconds < 7200:
        return f"{seconds / 60:.1f}m"
    return f"{seconds / 3600:.1f}h"


# --- tail -----------------------------------------------------------------------------------------------


def tail_line(stream: str, fields: dict[str, str]) -> str:
    """One event as `time  topic  aggregateId  eventId  data` (data cut to one short line)."""
    try:
        envelope = json.loads(fields["envelope"])
        data = json.dumps(envelope.get("data"), ensure_ascii=False, separators=(",", ":"))
        if len(data) > DATA_WIDTH:
            data = data[:DATA_WIDTH - 1] + "…"
        return (f"{_local(envelope['timestamp'])}  {envelope['eventType']}  {envelope['aggregateId']}  "
                f"{envelope['eventId']}  {data}")
    except (KeyError, TypeError, ValueError):
        return f"{stream.removeprefix('events:')}  (unreadable) {json.dumps(fields)[:DATA_WIDTH]}"


async def tail_positions(redis: Redis, streams: list[str]) -> dict[str, str]:
    """Where each stream ends now: its last id rather than `$`, so nothing added after this call is missed."""
    positions: dict[str, str] = {}
    for stream in streams:
        newest = await redis.xrevrange(stream, count=1)
        positions[stream] = newest[0][0] if newest else "0-0"
    return positions


async def tail_events(redis: Redis, positions: dict[str, str], *, discover: bool,
                      stop: asyncio.Event | None = None) -> AsyncIterator[tuple[str, dict[str, str]]]:
    """The events after `positions`, as they come, until `stop` is set; `discover`: also streams created
    meanwhile."""
    while stop is None or not stop.is_set():
        if discover:
            for stream in await health.event_streams(redis):
                positions.setdefault(stream, "0-0")  # created since we started: all of it is new
        if not positions:
            await asyncio.sleep(TAIL_BLOCK_MS / 1000)
            continue
        for stream, messages in await redis.xread(positions, block=TAIL_BLOCK_MS, count=100) or []:
            for message_id, fields in messages:
                positions[stream] = message_id
                yield stream, fields


@events_app.command()
def tail(
    topics: Annotated[list[str] | None, typer.Argument(
        help="Topics to follow, e.g. booking.created (default: every events:* stream).", show_default=False)] = None,
) -> None:
    """Print each new event as it is published, one line each. Ctrl-C ends it."""
    known = {topic.value for topic in Topic}
    unknown = [name for name in topics or [] if name.removeprefix("events:") not in known]
    if unknown:
        raise _fail(f"Unknown topic {', '.join(unknown)}. Known: {', '.join(sorted(known))}")
    streams = [Topic(name.removeprefix("events:")).stream for name in topics] if topics else None

    async def follow(redis: Redis, _: AsyncEngine) -> None:
        # Ctrl-C sets a flag the loop checks between reads (at most TAIL_BLOCK_MS apart), rather than
        # cancelling a read in flight: a cancellation that meets the client's read timeout can be lost.
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        positions = await tail_positions(redis, streams or await health.event_streams(redis))
        what = ", ".join(streams) if streams else "every events:* stream"
        console.print(f"[dim]Following {what}; Ctrl-C ends it.[/]")
        async for stream, fields in tail_events(redis, positions, discover=streams is None, stop=stop):
            console.print(tail_line(stream, fields), markup=False, soft_wrap=True)

    try:
        _run(get_settings(), follow)
    except KeyboardInterrupt:  # Ctrl-C before the loop had started
        pass
    console.print("[dim]Stopped.[/]")


# --- lag ------------------------------------------------------------------------------------------------


def lag_tables(groups: list[health.GroupLag], relay: list[health.RelayLag]) -> tuple[Table, Table]:
    consumers = Table(title="Consumer groups (oldest: age of the oldest pending event)", title_justify="left")
    consumers.add_column("Group", overflow="fold")
    consumers.add_column("Stream", overflow="fold")
    for column in ("Consumers", "Pending", "Oldest", "Undelivered"):
        consumers.add_column(column, justify="right", no_wrap=True)
    for lag in groups:
        undelivered = f"≥{lag.undelivered}" if lag.undelivered_capped else str(lag.undelivered)
        consumers.add_row(lag.group, lag.stream, str(lag.consumers), str(lag.pending),
                          _age(lag.oldest_pending_age), undelivered)
    outbox = Table(title="Outbox relay (unpublished rows)", title_justify="left")
    outbox.add_column("Schema")
    outbox.add_column("Unpublished", justify="right")
    outbox.add_column("Oldest", justify="right")
    for row in relay:
        outbox.add_row(row.schema, str(row.unpublished), _age(row.oldest_age))
    return consumers, outbox


@events_app.command()
def lag() -> None:
    """How far behind each consumer group (per stream) and the outbox relay (per schema) are."""
    async def read(redis: Redis, engine: AsyncEngine) -> tuple[list[health.GroupLag], list[health.RelayLag]]:
        async with engine.connect() as conn:
            relay = await health.relay_lag(conn)
        return await health.group_lag(redis), relay

    groups, relay = _run(get_settings(), read)
    consumers, outbox = lag_tables(groups, relay)
    if groups:
        console.print(consumers)
    else:
        console.print("[dim]No consumer groups yet (the worker creates them when it starts).[/]")
    console.print(outbox)


# --- dead -----------------------------------------------------------------------------------------------


@events_app.command()
def dead(
    replay: Annotated[str | None, typer.Option(
        "--replay", metavar="ID", help="Send this dead letter back to its stream (ids as listed).")] = None,
    limit: Annotated[int, typer.Option(help="How many of the newest to list.")] = 20,
) -> None:
    """List the newest dead letters, or replay one with --replay ID."""
    settings = get_settings()
    if replay is not None:
        async def send_back(redis: Redis, _: AsyncEngine) -> health.Replayed:
            return await health.replay_dead(redis, replay, maxlen=settings.events.stream_maxlen)

        try:
            replayed = _run(settings, send_back)
        except health.DeadLetterNotFound as exc:
            raise _fail(str(exc)) from None
        console.print(f"[green]✓[/] Replayed {replay} to {replayed.stream} as {replayed.message_id}.")
        return

    async def read(redis: Redis, _: AsyncEngine) -> tuple[int, list[health.DeadLetter]]:
        return await health.dead_letter_count(redis), await health.dead_letters(redis, limit)

    count, letters = _run(settings, read)
    if not count:
        console.print("[green]✓[/] No dead letters.")
        return
    table = Table(title=f"Dead letters: {count} (newest {len(letters)})", title_justify="left")
    table.add_column("Id", no_wrap=True)  # what --replay takes: never cut
    table.add_column("Failed at", no_wrap=True)
    for column in ("Group", "Stream", "Event type", "Error"):
        table.add_column(column, overflow="fold")
    for letter in letters:
        table.add_row(letter.id, _failed_at(letter.failed_at), letter.group, letter.stream,
                      letter.event_type or "(unreadable)", letter.error[:200])
    console.print(table)
    console.print("[dim]Replay one with `cinema events dead --replay ID`.[/]")


def _failed_at(value: str) -> str:
    try:
        return _local(value)
    except ValueError:
        return value

