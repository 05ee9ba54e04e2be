"""Vouchers given to users (the seed's UserVoucher): by an Admin, a loyalty reward or a showtime-disruption
compensation, and the signed-in user's wallet of them. Services flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, case, func, or_, union
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.auth import service as auth_service
from domain.promotions.assignment_schemas import (
    AllCustomersSegment,
    AssignmentSource,
    AssignResult,
    AssignVoucherRequest,
    TierSegment,
    WalletFilter,
    WalletQuery,
    WalletState,
    WalletVoucher,
)
from domain.promotions.models import ReservationStatus, Voucher, VoucherAssignment, VoucherReservation
from domain.promotions.rules import VoucherNotFound, VoucherStatus
from domain.shared.errors import Conflict, InvalidInput
from domain.shared.time import utcnow
from domain.users import service as users_service

Segment = TierSegment | AllCustomersSegment
CHUNK = 1000  # ids per statement: well under PostgreSQL's bind-parameter limit
_FILTERED = {WalletFilter.USABLE: WalletState.USABLE, WalletFilter.USED: WalletState.USED}


class VoucherNotAssignable(Conflict):
    code = "VOUCHER_NOT_ASSIGNABLE"


class UnknownUsers(InvalidInput):
    code = "UNKNOWN_USERS"


async def give(session: AsyncSession, *, voucher_id: uuid.UUID, user_ids: Collection[uuid.UUID],
               source: AssignmentSource | str, assigned_by: uuid.UUID | None = None,
               now: datetime | None = None) -> int:
    """Give a voucher to these users; returns how many did not have it yet. Idempotent: a user who has it
    keeps the first assignment. All or nothing: an unknown voucher or user id, or a voucher that can no
    longer be used, raises and gives nobody anything."""
    source = AssignmentSource(source)
    repo = AssignmentsRepository(session)
    await _assignable(repo, voucher_id, now or utcnow())
    wanted = sorted(set(user_ids))
    known: set[uuid.UUID] = set()
    for chunk in _chunked(wanted):
        known |= (await users_service.profiles_by_id(session, user_ids=chunk)).keys()
    if unknown := [u for u in wanted if u not in known]:
        raise UnknownUsers(f"{len(unknown)} of the user ids name no user; nothing was assigned.",
                           {"unknownUserIds": [str(u) for u in unknown]})
    return sum([await repo.insert(voucher_id, chunk, source=source, assigned_by=assigned_by)
                for chunk in _chunked(wanted)])


async def assign(session: AsyncSession, *, voucher_id: uuid.UUID, request: AssignVoucherRequest,
                 admin_id: uuid.UUID, now: datetime) -> AssignResult:
    """An Admin gives a voucher to the users named, or to every active customer of a segment."""
    if request.user_ids is not None:
        assigned = await give(session, voucher_id=voucher_id, user_ids=request.user_ids,
                              source=AssignmentSource.ADMIN, assigned_by=admin_id, now=now)
        return AssignResult(voucher_id=voucher_id, assigned=assigned, already_had=len(request.user_ids) - assigned)
    assert request.segment is not None  # the request validates that exactly one is set
    repo = AssignmentsRepository(session)
    await _assignable(repo, voucher_id, now)
    targeted = assigned = 0
    async for chunk in _segment(session, request.segment):
        targeted += len(chunk)
        assigned += await repo.insert(voucher_id, chunk, source=AssignmentSource.ADMIN, assigned_by=admin_id)
    return AssignResult(voucher_id=voucher_id, assigned=assigned, already_had=targeted - assigned)


async def wallet(session: AsyncSession, *, user_id: uuid.UUID, query: WalletQuery,
                 now: datetime) -> tuple[list[WalletVoucher], int]:
    """The user's vouchers: every one given to them, and the public ones they have used (live uses)."""
    return await AssignmentsRepository(session).wallet(user_id, state=query.state, now=now, offset=query.offset,
                                                       limit=query.page_size)


async def _assignable(repo: AssignmentsRepository, voucher_id: uuid.UUID, now: datetime) -> Voucher:
    voucher = await repo.voucher(voucher_id)
    if voucher is None:
        raise VoucherNotFound(f"There is no voucher {voucher_id}.")
    if voucher.status is VoucherStatus.INACTIVE:
        raise VoucherNotAssignable(f"Voucher {voucher.code} is not active.", {"reason": "INACTIVE"})
    if voucher.status is VoucherStatus.EXPIRED or now >= voucher.ends_at:
        raise VoucherNotAssignable(f"Voucher {voucher.code} has expired.", {"reason": "EXPIRED"})
    return voucher


async def _segment(session: AsyncSession, segment: Segment) -> AsyncIterator[list[uuid.UUID]]:
    """The active customers of a segment, CHUNK ids at a time in id order (keyset pages), asked of the
    services that own them: tiers of users, roles of auth (each keeps its own schema; nothing is joined)."""
    after: uuid.UUID | None = None
    while True:
        if isinstance(segment, TierSegment):
            page = await users_service.user_ids_by_tier(session, tier=segment.tier, after=after, limit=CHUNK)
            customers = await auth_service.active_customer_ids(session, among=page, limit=CHUNK) if page else []
        else:
            page = customers = await auth_service.active_customer_ids(session, after=after, limit=CHUNK)
        if not page:
            return
        yield customers
        after = page[-1]


def _chunked(ids: list[uuid.UUID]) -> list[list[uuid.UUID]]:
    return [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]


class AssignmentsRepository:
    """The SQL of assignments and the wallet."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def voucher(self, voucher_id: uuid.UUID) -> Voucher | None:
        return await self.session.get(Voucher, voucher_id)

    async def insert(self, voucher_id: uuid.UUID, user_ids: list[uuid.UUID], *, source: AssignmentSource,
                     assigned_by: uuid.UUID | None) -> int:
        """Assign the voucher to users who do not have it; returns the rows created."""
        if not user_ids:
            return 0
        # Rows go in id order (callers sort), so two Admins giving overlapping lists wait, never deadlock.
        rows = [{"id": uuid.uuid4(), "voucher_id": voucher_id, "user_id": u, "source": source.value,
                 "assigned_by": assigned_by} for u in user_ids]
        stmt = (insert(VoucherAssignment).values(rows)
                .on_conflict_do_nothing(index_elements=["voucher_id", "user_id"])
                .returning(col(VoucherAssignment.id)))
        return len((await self.session.exec(stmt)).all())  # type: ignore[call-overload]

    async def wallet(self, user_id: uuid.UUID, *, state: WalletFilter, now: datetime, offset: int,
                     limit: int) -> tuple[list[WalletVoucher], int]:
        rows = self._wallet_rows(user_id, now).subquery("wallet")
        conditions = [] if state is WalletFilter.ALL else [rows.c.state == _FILTERED[state].value]
        total = (await self.session.exec(select(func.count()).select_from(rows).where(*conditions))).one()
        stmt = (select(*rows.c).where(*conditions)
                .order_by(rows.c.state != WalletState.USABLE.value, rows.c.ends_at, rows.c.code, rows.c.voucher_id)
                .offset(offset).limit(limit))
        found = (await self.session.exec(stmt)).all()  # type: ignore[call-overload]
        return [WalletVoucher.model_validate(dict(r._mapping)) for r in found], total

    def _wallet_rows(self, user_id: uuid.UUID, now: datetime) -> Select[Any]:
        live = (select(col(VoucherReservation.voucher_id).label("voucher_id"), func.count().label("uses"))
                .where(col(VoucherReservation.user_id) == user_id,
                       col(VoucherReservation.status) != ReservationStatus.RELEASED)
                .group_by(col(VoucherReservation.voucher_id))
                .subquery("live"))
        mine = (select(VoucherAssignment).where(col(VoucherAssignment.user_id) == user_id)
                .subquery("mine"))
        # Driven by the user's own ids (both tables are indexed on user_id), not by every voucher.
        wanted = union(select(col(VoucherAssignment.voucher_id).label("voucher_id"))
                       .where(col(VoucherAssignment.user_id) == user_id),
                       select(live.c.voucher_id)).subquery("wanted")
        uses = func.coalesce(live.c.uses, 0)
        left_in_total = col(Voucher.usage_limit) - col(Voucher.used_count)
        state = case(
            (col(Voucher.status) == VoucherStatus.INACTIVE.value, WalletState.INACTIVE.value),
            (or_(col(Voucher.status) == VoucherStatus.EXPIRED.value, col(Voucher.ends_at) <= now),
             WalletState.EXPIRED.value),
            (or_(uses >= col(Voucher.per_user_limit), left_in_total <= 0), WalletState.USED.value),
            else_=WalletState.USABLE.value,
        )
        uses_left = case(
            (col(Voucher.per_user_limit).is_(None), None),
            else_=func.greatest(0, func.least(col(Voucher.per_user_limit) - uses, left_in_total)),
        ).cast(Integer)
        return (select(col(Voucher.id).label("voucher_id"), col(Voucher.code), col(Voucher.description),
                       col(Voucher.type), col(Voucher.value), col(Voucher.max_discount),
                       col(Voucher.min_purchase), col(Voucher.starts_at), col(Voucher.ends_at),
                       col(Voucher.applicable_for), state.label("state"), uses_left.label("uses_left"),
                       mine.c.source.label("source"), mine.c.created_at.label("assigned_at"))
                .join(wanted, wanted.c.voucher_id == col(Voucher.id))
                .outerjoin(mine, mine.c.voucher_id == col(Voucher.id))
                .outerjoin(live, live.c.voucher_id == col(Voucher.id)))
