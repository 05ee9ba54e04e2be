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
from domain.promotions.rules import PricedSeat, Purchase, VoucherNotUsable
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
                                     {"endsAt": "2020-01-01T00:00:00+00:00"}, {"startsAt": "2026-01-01T00:00:00"},
                                     {"type": "FreeItem", "value": 1},  # names no item
                                     {"type": "FreeItem", "value": 11, "freeItemId": str(uuid.uuid4())},
                                     {"type": "FreeItem", "value": 1, "freeItemId": str(uuid.uuid4()),
                                      "freeComboId": str(uuid.uuid4())},
                                     {"freeItemId": str(uuid.uuid4())},  # a percentage voucher naming an item
                                     {"perUserLimit": 0}, {"daysOfWeek": [0]}, {"seatTypes": ["Sofa"]},
                                     {"usedCount": 3}])
    async def test_bad_vouchers_are_422(self, client: httpx.AsyncClient, make_user: Any,
                                        bad: dict[str, Any]) -> None:
        admin = await make_user(Role.ADMIN)
        response = await client.post("/api/promotions/vouchers", json=voucher_body(**bad), headers=admin.headers)
        assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR"

    async def test_managers_cannot_create_vouchers(self, client: httpx.AsyncClient, make_user: Any) -> None:
        manager = await make_user(Role.MANAGER)
        response = await client.post("/api/promotions/vouchers", json=voucher_body(), headers=manager.headers)
        assert response.status_code == 403


class TestVoucherChanges:
    async def test_an_admin_changes_lifts_a_limit_and_switches_a_voucher_off(
            self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin, customer = await make_user(Role.ADMIN), await make_user()
        made = await create(client, admin, usageLimit=5, daysOfWeek=[2, 2, 3], seatTypes=["VIP"])
        assert (made["daysOfWeek"], made["seatTypes"], made["perUserLimit"]) == ([2, 3], ["VIP"], 1)
        changed = await client.put(f"/api/promotions/vouchers/{made['id']}", headers=admin.headers,
                                   json={"maxDiscount": None, "perUserLimit": 3, "description": "Happy Tuesday"})
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert (body["maxDiscount"], body["perUserLimit"], body["description"], body["usageLimit"]) == (
            None, 3, "Happy Tuesday", 5), "only what was sent changed"
        off = await client.put(f"/api/promotions/vouchers/{made['id']}", headers=admin.headers,
                               json={"status": "Inactive"})
        assert off.json()["status"] == "Inactive"
        quote = await client.post("/api/promotions/validate-voucher", headers=customer.headers,
                                  json={"code": made["code"], "amount": 180000})
        assert (quote.status_code, quote.json()["error"]["details"]["reason"]) == (409, "INACTIVE")

    async def test_an_ended_voucher_reads_as_expired(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin = await make_user(Role.ADMIN)
        made = await create(client, admin)
        now = utcnow()
        ended = await client.put(f"/api/promotions/vouchers/{made['id']}", headers=admin.headers, json={
            "startsAt": (now - timedelta(days=2)).isoformat(), "endsAt": (now - timedelta(days=1)).isoformat()})
        assert ended.json()["status"] == "Expired"
        listed = await client.get("/api/promotions/vouchers", headers=admin.headers,
                                  params={"status": "Expired", "pageSize": 100})
        assert made["id"] in [v["id"] for v in listed.json()["items"]]

    @pytest.mark.parametrize("bad, status", [
        ({"code": "OTHER"}, 422), ({"value": 50}, 422), ({"status": "Expired"}, 422), ({"description": None}, 422),
        ({"endsAt": "2020-01-01T00:00:00+00:00"}, 422), ({"usageLimit": 0}, 422), ({"daysOfWeek": [8]}, 422),
        ({"timeFrom": "10:00:00", "timeTo": "10:00:00"}, 422), ({"seatTypes": ["Balcony"]}, 422),
    ])
    async def test_bad_changes_are_4xx_and_change_nothing(self, client: httpx.AsyncClient, make_user: Any,
                                                          bad: dict[str, Any], status: int) -> None:
        admin = await make_user(Role.ADMIN)
        made = await create(client, admin)
        response = await client.put(f"/api/promotions/vouchers/{made['id']}", headers=admin.headers, json=bad)
        assert response.status_code == status, response.text
        assert set(response.json()["error"]) == {"code", "message", "details"}
        listed = await client.get("/api/promotions/vouchers", headers=admin.headers, params={"pageSize": 100})
        assert [v for v in listed.json()["items"] if v["id"] == made["id"]] == [made]

    async def test_a_limit_below_the_uses_made_is_409(self, client: httpx.AsyncClient, make_user: Any,
                                                      sessionmaker: SessionMaker) -> None:
        admin = await make_user(Role.ADMIN)
        made = await create(client, admin, usageLimit=5)
        for _ in range(2):
            async with unit_of_work(sessionmaker) as session:
                await promotions_service.reserve(session, booking_id=uuid.uuid4(), user_id=uuid.uuid4(),
                                                 code=made["code"], now=utcnow(),
                                                 purchase=Purchase(seats=(PricedSeat("VIP", 200_000),)))
        response = await client.put(f"/api/promotions/vouchers/{made['id']}", headers=admin.headers,
                                    json={"usageLimit": 1})
        assert (response.status_code, response.json()["error"]["code"]) == (409, "VOUCHER_LIMIT_BELOW_USES")

    @pytest.mark.parametrize("role", [Role.CUSTOMER, Role.STAFF, Role.MANAGER])
    async def test_only_admins_change_vouchers(self, client: httpx.AsyncClient, make_user: Any, role: Role) -> None:
        admin, other = await make_user(Role.ADMIN), await make_user(role)
        made = await create(client, admin)
        response = await client.put(f"/api/promotions/vouchers/{made['id']}", headers=other.headers,
                                    json={"status": "Inactive"})
        assert response.status_code == 403
        unknown = await client.put(f"/api/promotions/vouchers/{uuid.uuid4()}", headers=admin.headers,
                                   json={"status": "Inactive"})
        assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "VOUCHER_NOT_FOUND")

    async def test_a_personal_voucher_is_unknown_to_everyone_it_was_not_given_to(
            self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin, customer = await make_user(Role.ADMIN), await make_user()
        made = await create(client, admin, personal=True)
        quote = await client.post("/api/promotions/validate-voucher", headers=customer.headers,
                                  json={"code": made["code"], "amount": 180000})
        assert (quote.status_code, quote.json()["error"]["code"]) == (404, "VOUCHER_NOT_FOUND")


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
                                                    code=code, purchase=Purchase(seats=(PricedSeat("VIP", 200_000),)),
                                                    now=utcnow())

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

    @pytest.mark.parametrize("per_user_limit, expected", [(1, 1), (3, 3), (None, 10)])
    async def test_a_per_user_limit_holds_through_ten_parallel_checkouts(
            self, sessionmaker: SessionMaker, per_user_limit: int | None, expected: int) -> None:
        voucher = await self._voucher(sessionmaker, usageLimit=100, perUserLimit=per_user_limit)
        user, other = uuid.uuid4(), uuid.uuid4()
        results = await asyncio.gather(*(self._reserve(sessionmaker, voucher.code, uuid.uuid4(), user)
                                         for _ in range(10)), return_exceptions=True)
        assert sum(not isinstance(r, BaseException) for r in results) == expected
        refused = [r for r in results if isinstance(r, BaseException)]
        assert all(isinstance(r, VoucherNotUsable) and r.details["reason"] == "ALREADY_USED" for r in refused)
        await self._reserve(sessionmaker, voucher.code, uuid.uuid4(), other)  # someone else still may
        assert await self._used_count(sessionmaker, voucher.id) == expected + 1

    async def test_a_released_use_counts_no_more(self, sessionmaker: SessionMaker) -> None:
        voucher = await self._voucher(sessionmaker, usageLimit=5)
        user, first = uuid.uuid4(), uuid.uuid4()
        await self._reserve(sessionmaker, voucher.code, first, user)
        async with unit_of_work(sessionmaker) as session:
            await promotions_service.release(session, booking_id=first, now=utcnow())
        assert (await self._reserve(sessionmaker, voucher.code, uuid.uuid4(), user)).discount == 40_000
