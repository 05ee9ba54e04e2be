"""Time promotions as data: Admins create, change and switch them off; pricing reads the active ones.

Pricing (the showtimes service) never imports this module: it gets `Promotion` values
(domain/shared/time_promotions.py) from the API edge and the worker, which read them through
`ActiveTimePromotions`, a short in-process cache (see its docstring for how stale it may be).
"""

from __future__ import annotations

import asyncio
import time as clock
import uuid
from datetime import datetime

from pydantic.alias_generators import to_camel
from sqlalchemy import ColumnElement, func, or_, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.promotions.models import TimePromotion
from domain.promotions.time_promotion_schemas import (
    TimePromotionCreate,
    TimePromotionState,
    TimePromotionUpdate,
    check_conditions,
)
from domain.shared.errors import Conflict, InvalidInput, NotFound
from domain.shared.time import LOCAL_TZ
from domain.shared.time_promotions import Promotion


class TimePromotionCodeTaken(Conflict):
    code = "TIME_PROMOTION_CODE_TAKEN"


class TimePromotionNotFound(NotFound):
    code = "TIME_PROMOTION_NOT_FOUND"


# What a PUT may set to null: the conditions (null lifts one). Every other field it sends needs a value.
_NULLABLE = frozenset({"valid_from", "valid_until", "min_days_ahead", "weekdays", "starts_from", "starts_before"})


def _running(now: datetime) -> ColumnElement[bool]:
    """Switched on, and its last purchase day (local) not passed."""
    today = now.astimezone(LOCAL_TZ).date()
    return col(TimePromotion.is_active) & or_(col(TimePromotion.valid_until).is_(None),
                                              col(TimePromotion.valid_until) >= today)


async def create(session: AsyncSession, *, data: TimePromotionCreate) -> TimePromotion:
    """Create a time promotion; its code is unique (case-insensitive)."""
    taken = TimePromotionCodeTaken(f"A time promotion with code {data.code} already exists.", {"code": data.code})
    if (await session.exec(select(TimePromotion.id).where(col(TimePromotion.code) == data.code))).first():
        raise taken
    promotion = TimePromotion(**data.model_dump())
    session.add(promotion)
    try:
        await session.flush()
    except IntegrityError as e:  # a twin created at the same time
        raise taken from e
    return promotion


async def get(session: AsyncSession, *, promotion_id: uuid.UUID) -> TimePromotion:
    promotion = await session.get(TimePromotion, promotion_id)
    if promotion is None:
        raise TimePromotionNotFound("There is no such time promotion.")
    return promotion


async def page(session: AsyncSession, *, state: TimePromotionState, now: datetime, offset: int,
               limit: int) -> tuple[list[TimePromotion], int]:
    """Time promotions by code: the running ones, the others, or all."""
    where = {TimePromotionState.ACTIVE: _running(now), TimePromotionState.INACTIVE: ~_running(now)}.get(state, true())
    total = (await session.exec(select(func.count()).select_from(TimePromotion).where(where))).one()
    rows = (await session.exec(select(TimePromotion).where(where).order_by(col(TimePromotion.code))
                               .offset(offset).limit(limit))).all()
    return list(rows), total


async def update(session: AsyncSession, *, promotion_id: uuid.UUID, data: TimePromotionUpdate,
                 now: datetime) -> TimePromotion:
    """Change or switch off a time promotion; only the fields sent change. Prices already held keep theirs."""
    promotion = await session.get(TimePromotion, promotion_id, with_for_update=True, populate_existing=True)
    if promotion is None:
        raise TimePromotionNotFound("There is no such time promotion.")
    for name, value in data.model_dump(include=data.model_fields_set).items():
        if value is None and name not in _NULLABLE:
            raise InvalidInput(f"{to_camel(name)} cannot be null.", {"field": to_camel(name)})
        setattr(promotion, name, value)
    problem = check_conditions(valid_from=promotion.valid_from, valid_until=promotion.valid_until,
                               starts_from=promotion.starts_from, starts_before=promotion.starts_before)
    if problem:
        raise InvalidInput(f"{problem}.", {"field": problem.split()[0]})
    promotion.updated_at = now
    session.add(promotion)
    await session.flush()
    return promotion


def value(row: TimePromotion) -> Promotion:
    """The row as pricing applies it."""
    return Promotion(code=row.code, name=row.name, percent_off=row.percent_off, valid_from=row.valid_from,
                     valid_until=row.valid_until, min_days_ahead=row.min_days_ahead,
                     weekdays=None if row.weekdays is None else frozenset(row.weekdays),
                     starts_from=row.starts_from, starts_before=row.starts_before)


async def active(session: AsyncSession, now: datetime) -> tuple[Promotion, ...]:
    """The promotions pricing may apply from `now` on: switched on and not ended, oldest first (the first
    listed wins a tie). `Promotion.applies` checks every condition, dates included, at each purchase."""
    stmt = select(TimePromotion).where(_running(now)).order_by(col(TimePromotion.created_at), col(TimePromotion.code))
    return tuple(value(row) for row in (await session.exec(stmt)).all())


# Bumped by every write in this process (`forget_cached`), so its caches reload at their next read.
_generation = 0
TTL_SECONDS = 5.0


def forget_cached() -> None:
    """After a committed write: this process's caches of active promotions reload at their next read."""
    global _generation
    _generation += 1


class ActiveTimePromotions:
    """The active promotions, read from PostgreSQL at most once per `ttl` seconds per process (seat prices are
    asked for on every listing, seat map and hold). Concurrent reads of an expired cache share one query.

    Staleness: in the process that made a change through the routes, none (`forget_cached`); in any other
    process (another API instance, the worker) at most `ttl` seconds.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, ttl: float = TTL_SECONDS) -> None:
        self._sessionmaker, self._ttl = sessionmaker, ttl
        self._value: tuple[Promotion, ...] = ()
        self._read: tuple[int, float] | None = None  # (generation, monotonic time) of the read behind _value
        self._loading: tuple[int, asyncio.Task[tuple[Promotion, ...]]] | None = None

    async def get(self, now: datetime) -> tuple[Promotion, ...]:
        if self._read is not None and self._read[0] == _generation and clock.monotonic() - self._read[1] < self._ttl:
            return self._value
        if self._loading is None or self._loading[0] != _generation:  # never join a read older than a write
            self._loading = (_generation, asyncio.get_running_loop().create_task(self._load(now)))
        return await asyncio.shield(self._loading[1])  # a reader that goes away does not cancel the others

    async def _load(self, now: datetime) -> tuple[Promotion, ...]:
        # Stamped before the read: a write committed meanwhile makes the result stale at once.
        stamp = (_generation, clock.monotonic())
        try:
            async with self._sessionmaker() as session:
                found = await active(session, now)
        finally:
            if self._loading is not None and self._loading[0] == stamp[0]:
                self._loading = None
        if self._read is None or stamp >= self._read:
            self._value, self._read = found, stamp
        return found
