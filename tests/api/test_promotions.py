"""Vouchers over HTTP and the saga's atomic reservation, against real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from domain.promotions import service as promotions_service
from domain.promotions.models import Voucher
from domain.promotions.rules import VoucherNotUsable
from domain.shared.roles import Role
from domain.shared.time import utcnow
from infra.db import SessionMaker, unit_of_work


def voucher_body(**kw: Any) -> dict[str, Any]:
    now = utcnow()
    body = {"code": f"V{uuid.uuid4().hex[:8]}", "type": "Percentage", "value": 20, "minPurchase": 100000,
            "maxDiscount": 50000, "startsAt": (now - timedelta(hours=1)).isoformat(),
            "endsAt": (now + timedelta(days=7)).isoformat()}
    return {**body, **kw}


async def create(client: httpx.AsyncClient, admin: Any, **kw: Any) -> dict[str, Any]:
    response = await client.post("/api/promotions/vouchers", json=voucher_body(**kw), headers=admin.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


class TestVoucherAdmin:
    async def test_create_and_list(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin = await make_user(Role.ADMIN)
        made = await create(client, admin, code="tet-sale-" + uuid.uuid4().hex[:6])
        assert made["code"].startswith("TET-SALE-") and made["usedCount"] == 0 and made["status"] == "Active"
        listed = await client.get("/api/promotions/vouchers", params={"pageSize": 100}, headers=admin.headers)
        assert made["id"] in [v["id"] for v in listed.json()["items"]]

    async def test_duplicate_code_is_409(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin = await make_user(Role.ADMIN)
        made = await create(client, admin)
        again = await client.post("/api/promotions/vouchers", json=voucher_body(code=made["code"].lower()),
                                  headers=admin.headers)
        assert again.status_code == 409 and again.json()["error"]["code"] == "VOUCHER_CODE_TAKEN"

    @pytest.mark.parametrize("bad", [{"value": 120}, {"value": 0}, {"code": "a b"},
                                     {"endsAt": "2020-01-01T00:00:00+00:00"}, {"startsAt": "2026-01-01T00:00:00"}])
    async def test_bad_vouchers_are_422(self, client: httpx.AsyncClient, make_user: Any,
                                        bad: dict[str, Any]) -> None:
        admin = await make_user(Role.ADMIN)
        response = await client.post("/api/promotions/vouchers", json=voucher_body(**bad), headers=admin.headers)
        assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR"

    async def test_managers_cannot_create_vouchers(self, client: httpx.AsyncClient, make_user: Any) -> None:
        manager = await make_user(Role.MANAGER)
        response = await client.post("/api/promotions/vouchers", json=voucher_body(), headers=manager.headers)
        assert response.status_code == 403


class TestValidateVoucher:
    async def test_quote(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin, customer = await make_user(Role.ADMIN), await make_user()
        made = await create(client, admin)
        quote = await client.post("/api/promotions/validate-voucher", headers=customer.headers,
                                  json={"code": made["code"].lower(), "amount": 180000})
        assert quote.status_code == 200
        assert quote.json() == {"code": made["code"], "discount": 36000, "finalAmount": 144000}

    async def test_refusals(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin, customer = await make_user(Role.ADMIN), await make_user()
        made = await create(client, admin)
        low = await client.post("/api/promotions/validate-voucher", headers=customer.headers,
                                json={"code": made["code"], "amount": 50000})
        assert low.status_code == 422 and low.json()["error"]["code"] == "VOUCHER_MIN_PURCHASE"
        unknown = await client.post("/api/promotions/validate-voucher", headers=customer.headers,
                                    json={"code": "NOPE", "amount": 50000})
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "VOUCHER_NOT_FOUND"


class TestReservation:
    async def _voucher(self, sessionmaker: SessionMaker, **kw: Any) -> Voucher:
        from domain.promotions.schemas import VoucherCreate

        async with unit_of_work(sessionmaker) as session:
            return await promotions_service.create_voucher(
                session, data=VoucherCreate.model_validate(voucher_body(**kw)))

    async def _reserve(self, sessionmaker: SessionMaker, code: str, booking_id: uuid.UUID,
                       user_id: uuid.UUID | None = None) -> Any:
        async with unit_of_work(sessionmaker) as session:
            return await promotions_service.reserve(session, booking_id=booking_id, user_id=user_id or uuid.uuid4(),
                                                    code=code, amount=200_000, now=utcnow())

    async def _used_count(self, sessionmaker: SessionMaker, voucher_id: uuid.UUID) -> int:
        async with sessionmaker() as session:
            voucher = await session.get(Voucher, voucher_id)
            assert voucher is not None
            return voucher.used_count

    async def test_a_single_use_voucher_raced_by_20_sagas_is_used_once(self, sessionmaker: SessionMaker) -> None:
        voucher = await self._voucher(sessionmaker, usageLimit=1)
        results = await asyncio.gather(*(self._reserve(sessionmaker, voucher.code, uuid.uuid4())
                                         for _ in range(20)), return_exceptions=True)
        winners = [r for r in results if not isinstance(r, BaseException)]
        assert len(winners) == 1 and winners[0].discount == 40_000
        assert all(isinstance(r, VoucherNotUsable) for r in results if isinstance(r, BaseException))
        assert await self._used_count(sessionmaker, voucher.id) == 1

    async def test_reserve_is_idempotent_and_release_gives_the_use_back(self, sessionmaker: SessionMaker) -> None:
        voucher = await self._voucher(sessionmaker, usageLimit=5)
        booking, user = uuid.uuid4(), uuid.uuid4()
        first = await self._reserve(sessionmaker, voucher.code, booking, user)
        assert await self._reserve(sessionmaker, voucher.code, booking, user) == first
        assert await self._used_count(sessionmaker, voucher.id) == 1
        for expected in (True, False):  # releasing twice is safe
            async with unit_of_work(sessionmaker) as session:
                assert await promotions_service.release(session, booking_id=booking, now=utcnow()) is expected
        assert await self._used_count(sessionmaker, voucher.id) == 0

    async def test_release_of_an_unknown_booking_is_a_no_op(self, sessionmaker: SessionMaker) -> None:
        async with unit_of_work(sessionmaker) as session:
            assert await promotions_service.release(session, booking_id=uuid.uuid4(), now=utcnow()) is False

    async def test_one_user_gets_one_use_even_from_two_bookings_at_once(self, sessionmaker: SessionMaker) -> None:
        voucher = await self._voucher(sessionmaker, usageLimit=10)
        user = uuid.uuid4()
        results = await asyncio.gather(*(self._reserve(sessionmaker, voucher.code, uuid.uuid4(), user)
                                         for _ in range(5)), return_exceptions=True)
        assert sum(not isinstance(r, BaseException) for r in results) == 1
        assert await self._used_count(sessionmaker, voucher.id) == 1
