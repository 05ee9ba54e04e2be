"""`assignments.give`, the call loyalty rewards and showtime-disruption compensations make, on real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, update
from sqlmodel import col, select

from domain.auth.models import Account
from domain.promotions import assignments
from domain.promotions import service as promotions_service
from domain.promotions.assignment_schemas import AssignVoucherRequest, WalletFilter, WalletQuery
from domain.promotions.assignments import UnknownUsers, VoucherNotAssignable
from domain.promotions.models import Voucher, VoucherAssignment
from domain.promotions.rules import VoucherNotFound, VoucherStatus
from domain.promotions.schemas import VoucherCreate
from domain.shared.roles import Role
from domain.shared.time import utcnow
from domain.users.models import MembershipTier, UserProfile
from infra.db import SessionMaker, unit_of_work


async def new_voucher(sessionmaker: SessionMaker, **changes: Any) -> Voucher:
    now = utcnow()
    data = VoucherCreate(code=f"C{uuid.uuid4().hex[:10]}", type="FixedAmount", value=50000,
                         starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=30))
    async with unit_of_work(sessionmaker) as session:
        voucher = await promotions_service.create_voucher(session, data=data)
        for name, value in {"personal": True, **changes}.items():
            setattr(voucher, name, value)
        session.add(voucher)
    return voucher


async def assignments_of(sessionmaker: SessionMaker, voucher_id: uuid.UUID) -> list[VoucherAssignment]:
    async with sessionmaker() as session:
        stmt = select(VoucherAssignment).where(col(VoucherAssignment.voucher_id) == voucher_id)
        return list((await session.exec(stmt)).all())


class TestGive:
    async def test_a_compensation_is_given_once(self, sessionmaker: SessionMaker, make_user: Any) -> None:
        voucher, a, b = await new_voucher(sessionmaker), await make_user(), await make_user()
        for expected, users in ((2, [a.id, b.id, a.id]), (0, [b.id, a.id])):
            async with unit_of_work(sessionmaker) as session:
                assert await assignments.give(session, voucher_id=voucher.id, user_ids=users,
                                              source="Compensation") == expected
        rows = await assignments_of(sessionmaker, voucher.id)
        assert sorted(r.user_id for r in rows) == sorted([a.id, b.id])
        assert {(r.source, r.assigned_by) for r in rows} == {("Compensation", None)}
        async with sessionmaker() as session:
            items, total = await assignments.wallet(session, user_id=a.id, query=WalletQuery(state=WalletFilter.ALL),
                                                    now=utcnow())
        assert total == 1 and items[0].source == "Compensation" and items[0].state == "Usable"

    async def test_nothing_is_given_when_a_user_is_unknown(self, sessionmaker: SessionMaker,
                                                           make_user: Any) -> None:
        voucher, a, stranger = await new_voucher(sessionmaker), await make_user(), uuid.uuid4()
        with pytest.raises(UnknownUsers) as refused:
            async with unit_of_work(sessionmaker) as session:
                await assignments.give(session, voucher_id=voucher.id, user_ids=[a.id, stranger], source="Loyalty")
        assert refused.value.details == {"unknownUserIds": [str(stranger)]}
        assert await assignments_of(sessionmaker, voucher.id) == []

    async def test_unknown_inactive_or_expired_vouchers_are_refused(self, sessionmaker: SessionMaker,
                                                                    make_user: Any) -> None:
        a = await make_user()
        inactive = await new_voucher(sessionmaker, status=VoucherStatus.INACTIVE)
        expired = await new_voucher(sessionmaker, ends_at=utcnow() - timedelta(seconds=1))
        cases: list[tuple[uuid.UUID, type[Exception]]] = [
            (uuid.uuid4(), VoucherNotFound), (inactive.id, VoucherNotAssignable), (expired.id, VoucherNotAssignable)]
        for voucher_id, error in cases:
            with pytest.raises(error):
                async with unit_of_work(sessionmaker) as session:
                    await assignments.give(session, voucher_id=voucher_id, user_ids=[a.id], source="Compensation")

    async def test_an_unknown_source_is_refused(self, sessionmaker: SessionMaker, make_user: Any) -> None:
        voucher, a = await new_voucher(sessionmaker), await make_user()
        with pytest.raises(ValueError):
            async with unit_of_work(sessionmaker) as session:
                await assignments.give(session, voucher_id=voucher.id, user_ids=[a.id], source="Gift")
        assert await assignments_of(sessionmaker, voucher.id) == []


class TestChunks:
    async def test_lists_and_segments_span_several_statements(self, sessionmaker: SessionMaker, make_user: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(assignments, "CHUNK", 2)
        customers = [await make_user() for _ in range(3)]
        staff = await make_user(Role.STAFF)
        async with unit_of_work(sessionmaker) as session:
            await session.exec(update(UserProfile)  # type: ignore[call-overload]
                               .where(col(UserProfile.id).in_([u.id for u in [*customers, staff]]))
                               .values(membership_tier=MembershipTier.PLATINUM))
        listed, segment = await new_voucher(sessionmaker), await new_voucher(sessionmaker)
        async with unit_of_work(sessionmaker) as session:
            assert await assignments.give(session, voucher_id=listed.id, user_ids=[u.id for u in customers],
                                          source="Loyalty") == 3
        request = AssignVoucherRequest.model_validate({"segment": {"tier": "Platinum"}})
        async with unit_of_work(sessionmaker) as session:
            result = await assignments.assign(session, voucher_id=segment.id, request=request,
                                              admin_id=uuid.uuid4(), now=utcnow())
        holders = {r.user_id for r in await assignments_of(sessionmaker, segment.id)}
        assert {u.id for u in customers} <= holders and staff.id not in holders
        assert result.assigned == len(holders) and result.already_had == 0
        async with sessionmaker() as session:  # every active Platinum customer, across the pages
            platinum = (await session.exec(
                select(func.count()).select_from(UserProfile)
                .join(Account, col(Account.id) == col(UserProfile.id))
                .where(col(UserProfile.membership_tier) == MembershipTier.PLATINUM,
                       col(Account.role) == Role.CUSTOMER, col(Account.is_active)))).one()
        assert platinum == len(holders)
