"""Vouchers given to people over HTTP: an Admin assigns them to users or a segment, each user sees their own
wallet. Against real PostgreSQL; the database is shared, so counts are checked on this test's own rows."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, update
from sqlmodel import col, select

from domain.promotions.models import ReservationStatus, Voucher, VoucherAssignment, VoucherReservation
from domain.promotions.rules import VoucherStatus
from domain.shared.roles import Role
from domain.shared.time import utcnow
from domain.users.models import MembershipTier, UserProfile
from infra.db import SessionMaker, unit_of_work


async def create_voucher(client: httpx.AsyncClient, admin: Any, *, ends_in: timedelta = timedelta(days=7),
                         **kw: Any) -> dict[str, Any]:
    now = utcnow()
    body = {"code": f"G{uuid.uuid4().hex[:10]}", "type": "FixedAmount", "value": 20000,
            "startsAt": (now - timedelta(days=2)).isoformat(), "endsAt": (now + ends_in).isoformat(), **kw}
    response = await client.post("/api/promotions/vouchers", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def change_voucher(sessionmaker: SessionMaker, voucher_id: str, **values: Any) -> None:
    """Set what the create route does not take (personal, per-user limit, status) or move its dates."""
    async with unit_of_work(sessionmaker) as session:
        await session.exec(update(Voucher).where(col(Voucher.id) == uuid.UUID(voucher_id))  # type: ignore[call-overload]
                           .values(**values))


async def use(sessionmaker: SessionMaker, voucher_id: str, user_id: uuid.UUID,
              status: ReservationStatus = ReservationStatus.USED) -> None:
    """A use of the voucher by the user, as the booking saga records it."""
    async with unit_of_work(sessionmaker) as session:
        session.add(VoucherReservation(voucher_id=uuid.UUID(voucher_id), user_id=user_id, booking_id=uuid.uuid4(),
                                       discount=20000, status=status))


async def holders(sessionmaker: SessionMaker, voucher_id: str) -> dict[uuid.UUID, VoucherAssignment]:
    async with sessionmaker() as session:
        rows = await session.exec(select(VoucherAssignment)
                                  .where(col(VoucherAssignment.voucher_id) == uuid.UUID(voucher_id)))
        return {row.user_id: row for row in rows.all()}


async def assign(client: httpx.AsyncClient, admin: Any, voucher_id: str, body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"/api/promotions/vouchers/{voucher_id}/assign", json=body, headers=admin.headers)


async def wallet(client: httpx.AsyncClient, user: Any, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/promotions/my-vouchers", params={"pageSize": 100, **params},
                                headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


class TestAssignToUsers:
    async def test_assigning_twice_adds_nobody_twice(self, client: httpx.AsyncClient, make_user: Any,
                                                     sessionmaker: SessionMaker) -> None:
        admin, a, b, c = await make_user(Role.ADMIN), await make_user(), await make_user(), await make_user()
        voucher = await create_voucher(client, admin)
        first = await assign(client, admin, voucher["id"], {"userIds": [str(a.id), str(b.id)]})
        assert first.status_code == 200, first.text
        assert first.json() == {"voucherId": voucher["id"], "assigned": 2, "alreadyHad": 0}
        again = await assign(client, admin, voucher["id"], {"userIds": [str(b.id), str(a.id), str(c.id)]})
        assert again.json() == {"voucherId": voucher["id"], "assigned": 1, "alreadyHad": 2}
        rows = await holders(sessionmaker, voucher["id"])
        assert set(rows) == {a.id, b.id, c.id}
        assert {(r.source, r.assigned_by) for r in rows.values()} == {("Admin", admin.id)}

    async def test_unknown_voucher_is_404(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin, a = await make_user(Role.ADMIN), await make_user()
        response = await assign(client, admin, str(uuid.uuid4()), {"userIds": [str(a.id)]})
        assert response.status_code == 404 and response.json()["error"]["code"] == "VOUCHER_NOT_FOUND"

    async def test_unknown_user_ids_are_named_and_nobody_gets_it(self, client: httpx.AsyncClient, make_user: Any,
                                                                 sessionmaker: SessionMaker) -> None:
        admin, a = await make_user(Role.ADMIN), await make_user()
        voucher, stranger = await create_voucher(client, admin), uuid.uuid4()
        response = await assign(client, admin, voucher["id"], {"userIds": [str(a.id), str(stranger)]})
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "UNKNOWN_USERS" and error["details"] == {"unknownUserIds": [str(stranger)]}
        assert await holders(sessionmaker, voucher["id"]) == {}

    @pytest.mark.parametrize(("change", "reason"), [
        ({"status": VoucherStatus.INACTIVE}, "INACTIVE"), ({"status": VoucherStatus.EXPIRED}, "EXPIRED"),
        ({"ends_at": utcnow() - timedelta(minutes=1)}, "EXPIRED")])
    async def test_an_inactive_or_expired_voucher_is_409(self, client: httpx.AsyncClient, make_user: Any,
                                                         sessionmaker: SessionMaker, change: dict[str, Any],
                                                         reason: str) -> None:
        admin, a = await make_user(Role.ADMIN), await make_user()
        voucher = await create_voucher(client, admin)
        await change_voucher(sessionmaker, voucher["id"], **change)
        for body in ({"userIds": [str(a.id)]}, {"segment": {"allCustomers": True}}):
            response = await assign(client, admin, voucher["id"], body)
            assert response.status_code == 409, response.text
            assert response.json()["error"]["code"] == "VOUCHER_NOT_ASSIGNABLE"
            assert response.json()["error"]["details"] == {"reason": reason}
        assert await holders(sessionmaker, voucher["id"]) == {}

    async def test_a_voucher_that_starts_later_may_be_given_ahead(self, client: httpx.AsyncClient,
                                                                   make_user: Any) -> None:
        admin, a = await make_user(Role.ADMIN), await make_user()
        voucher = await create_voucher(client, admin, startsAt=(utcnow() + timedelta(days=1)).isoformat())
        response = await assign(client, admin, voucher["id"], {"userIds": [str(a.id)]})
        assert response.status_code == 200 and response.json()["assigned"] == 1
        assert [v["state"] for v in (await wallet(client, a))["items"]] == ["Usable"]

    @pytest.mark.parametrize("body", [
        {}, {"userIds": []}, {"userIds": None},
        {"userIds": ["not-a-uuid"]},
        {"userIds": [str(uuid.uuid4()) for _ in range(1001)]},
        {"userIds": ["4f1f2b1c-7a6e-4c39-9a39-3f5b2ad0c001"] * 2},
        {"userIds": [str(uuid.uuid4())], "segment": {"allCustomers": True}},
        {"segment": {"tier": "Diamond"}}, {"segment": {"allCustomers": False}}, {"segment": {}},
        {"segment": {"tier": "Gold", "allCustomers": True}}, {"segment": "Gold"},
        {"userIds": [str(uuid.uuid4())], "note": "extra field"},
    ], ids=["neither", "empty", "null", "non-uuid", "1001-ids", "repeated-id", "both", "unknown-tier",
            "all-false", "empty-segment", "two-segments", "segment-string", "extra-field"])
    async def test_bad_bodies_are_422_and_assign_nothing(self, client: httpx.AsyncClient, make_user: Any,
                                                         sessionmaker: SessionMaker, body: dict[str, Any]) -> None:
        admin = await make_user(Role.ADMIN)
        voucher = await create_voucher(client, admin)
        response = await assign(client, admin, voucher["id"], body)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "VALIDATION_ERROR" and error["message"] and error["details"]
        assert await holders(sessionmaker, voucher["id"]) == {}

    async def test_a_non_uuid_voucher_id_is_422(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin, a = await make_user(Role.ADMIN), await make_user()
        response = await assign(client, admin, "not-a-uuid", {"userIds": [str(a.id)]})
        assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR"

    async def test_a_thousand_ids_are_accepted(self, client: httpx.AsyncClient, make_user: Any) -> None:
        """The upper bound itself is valid; here every id but one is unknown, so it is refused by name."""
        admin, a = await make_user(Role.ADMIN), await make_user()
        voucher = await create_voucher(client, admin)
        ids = [str(a.id)] + [str(uuid.uuid4()) for _ in range(999)]
        response = await assign(client, admin, voucher["id"], {"userIds": ids})
        assert response.status_code == 422 and response.json()["error"]["code"] == "UNKNOWN_USERS"
        assert len(response.json()["error"]["details"]["unknownUserIds"]) == 999


class TestAssignToSegment:
    async def _tier(self, sessionmaker: SessionMaker, user: Any, tier: MembershipTier) -> None:
        async with unit_of_work(sessionmaker) as session:
            await session.exec(update(UserProfile).where(col(UserProfile.id) == user.id)  # type: ignore[call-overload]
                               .values(membership_tier=tier))

    async def test_a_tier_reaches_its_customers_only(self, client: httpx.AsyncClient, make_user: Any,
                                                     sessionmaker: SessionMaker) -> None:
        admin, gold, bronze, gold_staff = (await make_user(Role.ADMIN), await make_user(), await make_user(),
                                           await make_user(Role.STAFF))
        await self._tier(sessionmaker, gold, MembershipTier.GOLD)
        await self._tier(sessionmaker, gold_staff, MembershipTier.GOLD)
        voucher = await create_voucher(client, admin)
        first = await assign(client, admin, voucher["id"], {"segment": {"tier": "Gold"}})
        assert first.status_code == 200, first.text
        rows = await holders(sessionmaker, voucher["id"])
        assert gold.id in rows and bronze.id not in rows and gold_staff.id not in rows
        assert first.json() == {"voucherId": voucher["id"], "assigned": len(rows), "alreadyHad": 0}
        async with sessionmaker() as session:  # only Gold customers got it
            not_gold = (await session.exec(select(func.count()).select_from(UserProfile).where(
                col(UserProfile.id).in_(list(rows)), col(UserProfile.membership_tier) != MembershipTier.GOLD))).one()
        assert not_gold == 0

    async def test_all_customers_twice_adds_nobody_twice(self, client: httpx.AsyncClient, make_user: Any,
                                                         sessionmaker: SessionMaker) -> None:
        admin, customer, staff = await make_user(Role.ADMIN), await make_user(), await make_user(Role.STAFF)
        voucher = await create_voucher(client, admin)
        picked = await assign(client, admin, voucher["id"], {"userIds": [str(customer.id), str(staff.id)]})
        assert picked.json()["assigned"] == 2  # named ids may be any account; segments are customers
        first = (await assign(client, admin, voucher["id"], {"segment": {"allCustomers": True}})).json()
        assert first["alreadyHad"] >= 1  # the customer named above
        again = (await assign(client, admin, voucher["id"], {"segment": {"allCustomers": True}})).json()
        assert again["alreadyHad"] >= first["assigned"] + first["alreadyHad"]
        rows = await holders(sessionmaker, voucher["id"])
        assert customer.id in rows and staff.id in rows
        assert len(rows) == 2 + first["assigned"] + again["assigned"]


class TestAssignIsForAdmins:
    async def test_anonymous_is_401_and_lower_roles_are_403(self, client: httpx.AsyncClient, make_user: Any,
                                                            sessionmaker: SessionMaker) -> None:
        admin, target = await make_user(Role.ADMIN), await make_user()
        voucher = await create_voucher(client, admin)
        url, body = f"/api/promotions/vouchers/{voucher['id']}/assign", {"userIds": [str(target.id)]}
        anonymous = await client.post(url, json=body)
        assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "UNAUTHORIZED"
        for role in (Role.CUSTOMER, Role.STAFF, Role.MANAGER):
            response = await client.post(url, json=body, headers=(await make_user(role)).headers)
            assert response.status_code == 403 and response.json()["error"]["code"] == "FORBIDDEN", role
        assert await holders(sessionmaker, voucher["id"]) == {}

    async def test_my_vouchers_needs_a_sign_in(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/promotions/my-vouchers")
        assert response.status_code == 401 and response.json()["error"]["code"] == "UNAUTHORIZED"


class TestMyVouchers:
    async def test_shows_only_the_callers_own(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin, mine, theirs = await make_user(Role.ADMIN), await make_user(), await make_user()
        v_mine, v_theirs = await create_voucher(client, admin), await create_voucher(client, admin)
        await assign(client, admin, v_mine["id"], {"userIds": [str(mine.id)]})
        await assign(client, admin, v_theirs["id"], {"userIds": [str(theirs.id)]})
        page = await wallet(client, mine)
        assert [v["code"] for v in page["items"]] == [v_mine["code"]] and page["total"] == 1
        assert [v["code"] for v in (await wallet(client, theirs))["items"]] == [v_theirs["code"]]
        assert (await wallet(client, await make_user()))["items"] == []

    async def test_states_uses_left_and_order(self, client: httpx.AsyncClient, make_user: Any,
                                              sessionmaker: SessionMaker) -> None:
        admin, user = await make_user(Role.ADMIN), await make_user()
        later = await create_voucher(client, admin, ends_in=timedelta(days=9), description="later")
        soon = await create_voucher(client, admin, ends_in=timedelta(days=1), maxDiscount=5000, minPurchase=1000)
        thrice = await create_voucher(client, admin, ends_in=timedelta(days=5))
        used = await create_voucher(client, admin, ends_in=timedelta(days=3))
        expired = await create_voucher(client, admin, ends_in=timedelta(days=4))
        inactive = await create_voucher(client, admin, ends_in=timedelta(days=2))
        unlimited = await create_voucher(client, admin, ends_in=timedelta(days=6))
        used_up = await create_voucher(client, admin, ends_in=timedelta(days=8), usageLimit=1)
        public_used = await create_voucher(client, admin, ends_in=timedelta(days=10))
        public_released = await create_voucher(client, admin, ends_in=timedelta(days=10))
        given = [later, soon, thrice, used, expired, inactive, unlimited, used_up]
        for v in given:
            await change_voucher(sessionmaker, v["id"], personal=True)
            response = await assign(client, admin, v["id"], {"userIds": [str(user.id)]})
            assert response.status_code == 200, response.text
        await change_voucher(sessionmaker, thrice["id"], per_user_limit=3)
        await use(sessionmaker, thrice["id"], user.id, ReservationStatus.RESERVED)
        await use(sessionmaker, thrice["id"], user.id, ReservationStatus.RELEASED)  # released: not a use
        await use(sessionmaker, used["id"], user.id)
        await change_voucher(sessionmaker, expired["id"], ends_at=utcnow() - timedelta(hours=1))
        await change_voucher(sessionmaker, inactive["id"], status=VoucherStatus.INACTIVE)
        await change_voucher(sessionmaker, unlimited["id"], per_user_limit=None)
        await change_voucher(sessionmaker, used_up["id"], used_count=1)  # someone else took its one use
        await use(sessionmaker, public_used["id"], user.id)
        await use(sessionmaker, public_released["id"], user.id, ReservationStatus.RELEASED)

        page = await wallet(client, user)
        got = [(v["code"], v["state"], v["usesLeft"]) for v in page["items"]]
        assert got == [(soon["code"], "Usable", 1), (thrice["code"], "Usable", 2), (unlimited["code"], "Usable", None),
                       (later["code"], "Usable", 1),
                       (expired["code"], "Expired", 1), (inactive["code"], "Inactive", 1), (used["code"], "Used", 0),
                       (used_up["code"], "Used", 0), (public_used["code"], "Used", 0)]
        assert page["total"] == 9
        first = page["items"][0]
        assert first == {"voucherId": soon["id"], "code": soon["code"], "description": "", "type": "FixedAmount",
                         "value": 20000, "maxDiscount": 5000, "minPurchase": 1000, "startsAt": first["startsAt"],
                         "endsAt": first["endsAt"], "applicableFor": "All", "state": "Usable", "usesLeft": 1,
                         "source": "Admin", "assignedAt": first["assignedAt"]}
        assert first["assignedAt"] is not None
        by_code = {v["code"]: v for v in page["items"]}
        assert by_code[public_used["code"]]["source"] is None and by_code[public_used["code"]]["assignedAt"] is None
        assert by_code[later["code"]]["description"] == "later"

        usable = await wallet(client, user, state="usable")
        assert [v["code"] for v in usable["items"]] == [soon["code"], thrice["code"], unlimited["code"], later["code"]]
        assert usable["total"] == 4
        used_page = await wallet(client, user, state="used")
        assert [v["code"] for v in used_page["items"]] == [used["code"], used_up["code"], public_used["code"]]
        second = await wallet(client, user, pageSize=2, page=2)
        assert [v["code"] for v in second["items"]] == [unlimited["code"], later["code"]]
        assert second["total"] == 9 and second["page"] == 2 and second["pageSize"] == 2

    @pytest.mark.parametrize("params", [{"state": "Usable"}, {"state": "expired"}, {"pageSize": 0}])
    async def test_bad_queries_are_422(self, client: httpx.AsyncClient, make_user: Any,
                                       params: dict[str, Any]) -> None:
        response = await client.get("/api/promotions/my-vouchers", params=params,
                                    headers=(await make_user()).headers)
        assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR"
