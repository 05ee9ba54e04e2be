"""`cinema seed`: demo data, created once and found again on every later run.

Seeding is a list of steps; each step runs in its own transaction and reports what it created or
found, so running it twice changes nothing. Later issues append their steps (cinemas, theaters,
movies, a week of showtimes) to `SEED_STEPS`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from cinema.seed_catalog import seed_cinemas, seed_genres, seed_movies
from cinema.seed_flash_sale import seed_flash_sale
from cinema.seed_fnb import seed_fnb
from cinema.seed_loyalty import seed_loyalty
from cinema.seed_promotions import seed_promotions
from cinema.seed_showtimes import seed_showtimes
from domain.auth import service as auth_service
from domain.shared.roles import Role
from domain.shared.time import utcnow
from infra.db import create_engine, make_sessionmaker, unit_of_work


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    password: str
    first_name: str
    last_name: str


# `.example` is reserved for examples (RFC 2606) yet passes the API's email validation, which
# refuses special-use names such as `.local` and `.test`: these accounts must be able to sign in.
DEMO_DOMAIN = "cinema.example"

# Verified accounts, one per role, so every part of the API can be tried at once from /docs.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(Role.CUSTOMER, f"customer@{DEMO_DOMAIN}", "Customer@123", "Demo", "Customer"),
    DemoAccount(Role.STAFF, f"staff@{DEMO_DOMAIN}", "Staff@123", "Demo", "Staff"),
    DemoAccount(Role.MANAGER, f"manager@{DEMO_DOMAIN}", "Manager@123", "Demo", "Manager"),
    DemoAccount(Role.ADMIN, f"admin@{DEMO_DOMAIN}", "Admin@123", "Demo", "Admin"),
)


@dataclass(frozen=True)
class Seeded:
    """One thing a step made sure exists; `created` is False when it was already there."""

    kind: str
    name: str
    created: bool


SeedStep = Callable[[AsyncSession, datetime], Awaitable[list[Seeded]]]


async def seed_demo_accounts(session: AsyncSession, now: datetime) -> list[Seeded]:
    """Ensure the demo accounts exist (an existing account is left exactly as it is)."""
    seeded = []
    for demo in DEMO_ACCOUNTS:
        _, created = await auth_service.ensure_account(
            session, email=demo.email, password=demo.password, role=demo.role, now=now,
            first_name=demo.first_name, last_name=demo.last_name,
        )
        seeded.append(Seeded(kind=f"{demo.role.value} account", name=demo.email, created=created))
    return seeded


SEED_STEPS: list[tuple[str, SeedStep]] = [
    ("demo accounts", seed_demo_accounts),
    ("genres", seed_genres),
    ("movies", seed_movies),
    ("cinemas and theaters", seed_cinemas),
    ("a week of showtimes", seed_showtimes),
    ("food and drinks", seed_fnb),
    ("vouchers", seed_promotions),
    ("a flash sale tomorrow evening", seed_flash_sale),
    ("loyalty members in every tier", seed_loyalty),
]


async def run_seed(database_url: str, *, on_step: Callable[[str, list[Seeded]], None] | None = None,
                   steps: list[tuple[str, SeedStep]] | None = None) -> list[Seeded]:
    """Run every seed step against `database_url`, one transaction per step."""
    engine = create_engine(database_url, pool_size=1)
    sessionmaker = make_sessionmaker(engine)
    everything: list[Seeded] = []
    try:
        for title, step in steps if steps is not None else SEED_STEPS:
            async with unit_of_work(sessionmaker) as session:
                seeded = await step(session, utcnow())
            everything += seeded
            if on_step:
                on_step(title, seeded)
    finally:
        await engine.dispose()
    return everything
