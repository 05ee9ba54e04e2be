"""The `cinema` command: run the whole system (`up`), or any one part of it.

Settings come from CINEMA_* variables (and .env), as everywhere else. A server URL that is set
(CINEMA_DATABASE_URL, CINEMA_REDIS_URL, CINEMA_TEMPORAL_ADDRESS, CINEMA_SMTP_HOST) means that
server is external, and `up`/`stack` do not start an embedded one for it.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Sequence
from typing import Annotated

import typer
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from cinema.events_cli import events_app
from cinema.seed import DEMO_ACCOUNTS, Seeded
from cinema.supervisor import (
    API_SERVER_OPTIONS,
    StartupError,
    Supervisor,
    api_argv,
    api_url,
    check_ports,
    embedded_servers,
    ports_needed,
    proxy_options,
    python_module,
    relative,
    service_env,
)
from infra.settings import Settings, get_settings

app = typer.Typer(help="Cinema-chain backend: run the whole system or one part of it.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
app.add_typer(events_app, name="events")
console = Console(highlight=False)

READY_TIMEOUT = 90.0

# platformdirs (via a server package) warns on every start in a container without a login session.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")


def _fail(message: str) -> typer.Exit:
    console.print(Panel(message, title="cinema", border_style="red", expand=False))
    return typer.Exit(1)


def _server_unreachable(what: str, address: str, setting: str) -> str:
    return (f"Cannot reach {what} at {address}.\nStart the embedded servers with `cinema stack` "
            f"(or run everything with `cinema up`), or point {setting} at a running server.")


# --- migrate / seed ---------------------------------------------------------------------------


def _migrate(settings: Settings) -> None:
    from infra.migrate import upgrade

    try:
        upgrade(settings.resolved_database_url)
    except OSError as exc:  # connection refused and friends
        raise StartupError(_server_unreachable("PostgreSQL", settings.resolved_database_url,
                                               "CINEMA_DATABASE_URL")) from exc


def _seed(settings: Settings) -> list[Seeded]:
    from cinema.seed import run_seed

    def report(title: str, seeded: list[Seeded]) -> None:
        for item in seeded:
            state = "[green]created[/]" if item.created else "[dim]found[/]"
            console.print(f"    {state} {item.kind} [bold]{item.name}[/]")

    try:
        return asyncio.run(run_seed(settings.resolved_database_url, on_step=report))
    except OSError as exc:
        raise StartupError(_server_unreachable("PostgreSQL", settings.resolved_database_url,
                                               "CINEMA_DATABASE_URL")) from exc


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic upgrade head)."""
    settings = get_settings()
    try:
        with console.status("Migrating the database…"):
            _migrate(settings)
    except StartupError as exc:
        raise _fail(str(exc)) from None
    console.print("[green]✓[/] Database schema is up to date.")


@app.command()
def seed() -> None:
    """Create the demo data (safe to run again: what exists is left as it is)."""
    settings = get_settings()
    try:
        seeded = _seed(settings)
    except StartupError as exc:
        raise _fail(str(exc)) from None
    created = sum(item.created for item in seeded)
    console.print(f"[green]✓[/] Demo data: {created} created, {len(seeded) - created} already there.")


# --- up / stack -------------------------------------------------------------------------------


def _addresses(settings: Settings, servers: list[str]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()

    def where(name: str) -> str:
        return "" if name in servers else " [dim](external)[/]"

    table.add_row("PostgreSQL", settings.resolved_database_url + where("postgres"))
    table.add_row("Redis", settings.resolved_redis_url + where("redis"))
    table.add_row("Temporal", settings.resolved_temporal_address + where("temporal"))
    table.add_row("Temporal UI", _temporal_ui(settings, servers))
    table.add_row("SMTP", f"{settings.resolved_smtp_host}:{settings.resolved_smtp_port}" + where("mailbox"))
    table.add_row("Mail inbox", _mail_inbox(settings, servers))
    return table


def _temporal_ui(settings: Settings, servers: list[str]) -> str:
    if "temporal" in servers or settings.temporal_ui_url:
        return settings.resolved_temporal_ui_url
    return "[dim]set CINEMA_TEMPORAL_UI_URL to show it here[/]"


def _mail_inbox(settings: Settings, servers: list[str]) -> str:
    if "mailbox" in servers or settings.mailbox_url:
        return settings.resolved_mailbox_url
    return "[dim]external SMTP: mail is delivered for real[/]"


WORKER_METRICS_PORT = 9464  # the first worker's metrics port when CINEMA_WORKER_METRICS_PORT is not set


def worker_metrics_ports(settings: Settings, workers: int) -> list[int]:
    """One Prometheus port per worker process `cinema up` starts, from CINEMA_WORKER_METRICS_PORT on."""
    first = settings.worker_metrics_port or WORKER_METRICS_PORT
    return list(range(first, first + workers))


def _ready_panel(settings: Settings, servers: list[str], seeded: list[Seeded], *,
                 metrics_ports: Sequence[int] = ()) -> Panel:
    home = settings.home.resolve()
    urls = Table.grid(padding=(0, 2))
    urls.add_column(style="bold")
    urls.add_column()
    base = api_url(settings)
    urls.add_row("API", base)
    urls.add_row("API docs", f"{base}/docs")
    urls.add_row("Temporal UI", _temporal_ui(settings, servers))
    urls.add_row("Mail inbox", _mail_inbox(settings, servers))
    urls.add_row("Metrics", "  ".join([f"{base}/metrics", *(f"http://{settings.worker_metrics_host}:{port}/metrics"
                                                            for port in metrics_ports)]))
    urls.add_row("Logs", relative(home / "logs"))
    urls.add_row("Data", relative(home))

    accounts = Table(title="Demo accounts", title_justify="left", box=None, padding=(0, 2))
    accounts.add_column("Role", style="bold")
    accounts.add_column("Email")
    accounts.add_column("Password")
    created = {item.name for item in seeded if item.created}
    for demo in DEMO_ACCOUNTS:
        accounts.add_row(demo.role.value, demo.email + (" [green](new)[/]" if demo.email in created else ""),
                         demo.password)
    if settings.admin_email:
        accounts.add_row("Admin", settings.admin_email, "[dim]CINEMA_ADMIN_PASSWORD[/]")
    return Panel(Group(urls, "", accounts, "", "[dim]Ctrl-C stops everything (data is kept).[/]"),
                 title="[bold green]Cinema is running[/]", border_style="green", expand=False)


ApiWorkers = Annotated[int, typer.Option(
    "--api-workers", min=1, help="API processes serving the API port (uvicorn --workers).")]


@app.command()
def up(
    api_workers: ApiWorkers = 1,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, help="Worker processes, each serving every task queue and the events.")] = 1,
) -> None:
    """Run everything: servers, migrations, demo data, worker and API. Ctrl-C stops it all."""
    settings = get_settings()
    servers = embedded_servers(settings)
    try:
        check_ports(ports_needed(settings, servers, api=True))
    except StartupError as exc:
        raise _fail(str(exc)) from None

    console.print(f"[bold]Starting Cinema[/] [dim](data in {relative(settings.home.resolve())})[/]")
    with Supervisor(settings, console) as supervisor:
        try:
            supervisor.start_servers(servers)
            with supervisor.step("Database migrations"):
                _migrate(settings)
            with supervisor.step("Demo data"):
                seeded = _seed(settings)
            env = service_env(settings)
            procs, metrics_ports = [], worker_metrics_ports(settings, workers)
            for n, metrics_port in enumerate(metrics_ports, start=1):
                name = "worker" if n == 1 else f"worker-{n}"  # logs/worker.log, logs/worker-2.log, …
                title = "Worker (all task queues)" if workers == 1 else f"Worker {n} of {workers} (all task queues)"
                with supervisor.step(title):
                    procs.append(supervisor.spawn(name, python_module("workers.main"),
                                                  {**env, "CINEMA_WORKER_METRICS_PORT": str(metrics_port)}))
            processes = "" if api_workers == 1 else f", {api_workers} processes"
            with supervisor.step(f"API on {api_url(settings)}{processes} (waiting for /health)"):
                procs.append(supervisor.spawn("api", api_argv(settings, workers=api_workers), env))
                supervisor.wait_http_ok(f"{api_url(settings)}/health", timeout=READY_TIMEOUT, procs=procs)
            with supervisor.step("Worker answers through Temporal (/health?deep=true)"):
                supervisor.wait_http_ok(f"{api_url(settings)}/health?deep=true", timeout=READY_TIMEOUT,
                                        procs=procs)
        except StartupError as exc:
            supervisor.stop()
            raise _fail(str(exc)) from None
        except KeyboardInterrupt:
            supervisor.stop()
            raise typer.Exit(130) from None

        console.print(_ready_panel(settings, servers, seeded, metrics_ports=metrics_ports))
        died = supervisor.watch()
        if died is not None:
            console.print(f"[red]{died.name} exited with code {died.returncode}[/]; its log "
                          f"({died.log_path}) ends with:\n{died.log_tail(20)}")
            supervisor.stop()
            raise typer.Exit(1)


@app.command()
def stack() -> None:
    """Run only the embedded servers and print their addresses. Ctrl-C stops them."""
    settings = get_settings()
    servers = embedded_servers(settings)
    if not servers:
        raise _fail("Every server is external (CINEMA_DATABASE_URL, CINEMA_REDIS_URL, "
                    "CINEMA_TEMPORAL_ADDRESS and CINEMA_SMTP_HOST are set): nothing to start.")
    try:
        check_ports(ports_needed(settings, servers, api=False))
    except StartupError as exc:
        raise _fail(str(exc)) from None

    with Supervisor(settings, console) as supervisor:
        try:
            supervisor.start_servers(servers)
        except StartupError as exc:
            supervisor.stop()
            raise _fail(str(exc)) from None
        except KeyboardInterrupt:
            supervisor.stop()
            raise typer.Exit(130) from None
        console.print(Panel(_addresses(settings, servers), title="[bold green]Servers running[/]",
                            subtitle="Ctrl-C stops them", border_style="green", expand=False))
        console.print("[dim]In another terminal: `cinema migrate && cinema seed`, then `cinema api` "
                      "and `cinema worker`.[/]")
        died = supervisor.watch()
        if died is not None:
            console.print(f"[red]{died.name} exited with code {died.returncode}[/]:\n{died.log_tail(20)}")
            supervisor.stop()
            raise typer.Exit(1)


# --- api / worker -----------------------------------------------------------------------------


@app.command()
def api(api_workers: ApiWorkers = 1) -> None:
    """Run the API alone (the servers must be reachable: `cinema stack` or external URLs)."""
    import uvicorn

    settings = get_settings()
    try:
        check_ports(ports_needed(settings, [], api=True))
    except StartupError as exc:
        raise _fail(str(exc)) from None
    console.print(f"API on {api_url(settings)}  docs: {api_url(settings)}/docs")
    uvicorn.run("api.app:create_app", factory=True, host=settings.api_host, port=settings.api_port,
                workers=api_workers, **API_SERVER_OPTIONS,  # type: ignore[arg-type]
                **proxy_options(settings.trusted_proxy_list))  # type: ignore[arg-type]


@app.command()
def worker(
    queues: Annotated[list[str] | None, typer.Argument(
        help="Task queues to serve, by name (cinema-system) or short name (system); default: all.",
        show_default=False)] = None,
    events: Annotated[bool, typer.Option(
        "--events/--no-events", help="Also run the event relay and consumers (infra/events/).")] = True,
    events_only: Annotated[bool, typer.Option(
        "--events-only", help="Only the event relay and consumers, no task queue.")] = False,
) -> None:
    """Run a worker for some or all task queues, with the event relay and consumers (the servers must be
    reachable)."""
    from domain.contracts.queues import TaskQueue
    from workers.main import main as worker_main

    known = {queue.value: queue for queue in TaskQueue} | {queue.name.lower(): queue for queue in TaskQueue}
    unknown = [name for name in queues or [] if name.lower() not in known]
    if unknown:
        raise _fail(f"Unknown task queue {', '.join(unknown)}. Known: "
                    + ", ".join(f"{q.value} ({q.name.lower()})" for q in TaskQueue))
    chosen = [known[name.lower()].value for name in queues or []]
    flags = ["--events-only"] if events_only else [] if events else ["--no-events"]
    serving = "no task queue" if events_only else ", ".join(chosen) if chosen else "every task queue"
    with_events = "" if flags == ["--no-events"] else ", with the event relay and consumers"
    console.print(f"Worker serving {serving}{with_events}")
    try:
        worker_main(chosen + flags)
    except RuntimeError as exc:
        if "client connect" not in str(exc):
            raise
        settings = get_settings()
        raise _fail(_server_unreachable("Temporal", settings.resolved_temporal_address,
                                        "CINEMA_TEMPORAL_ADDRESS")) from None


def main() -> None:
    app()


if __name__ == "__main__":
    main()
