"""`POST /api/promotions/redeem-points`: points become a personal voucher, the balance never goes below 0 even
under parallel requests, and the ledger always sums to the balance."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from domain.promotions import loyalty
from domain.promotions.models import LoyaltyTransaction
from infra.db import SessionMaker, unit_of_work


async def with_points(sessionmaker: SessionMaker, make_user: Any, points: int) -> Any:
    user = await make_user()
    async with unit_of_work(sessionmaker) as session:
        await loyalty.earn(session, user_id=user.id, booking_id=uuid.uuid4(), amount_paid=points * 10_000)
    return user


async def balance_and_ledger(client: httpx.AsyncClient, sessionmaker: SessionMaker, user: Any) -> tuple[int, int]:
    balance = (await client.get("/api/promotions/loyalty-points", headers=user.headers)).json()["balance"]
    async with sessionmaker() as session:
        ledger = (await session.exec(select(func.coalesce(func.sum(LoyaltyTransaction.points), 0)).where(
            LoyaltyTransaction.user_id == user.id))).one()
    return balance, int(ledger)


async def test_points_become_a_personal_voucher(client: httpx.AsyncClient, make_user: Any,
                                                sessionmaker: SessionMaker) -> None:
    user, other = await with_points(sessionmaker, make_user, 120), await make_user()
    response = await client.post("/api/promotions/redeem-points", headers=user.headers, json={"points": 50})
    assert response.status_code == 201, response.text
    body = response.json()
    voucher = body["voucher"]
    assert (body["pointsSpent"], body["balance"]) == (50, 70)
    assert (voucher["type"], voucher["value"], voucher["personal"], voucher["usageLimit"]) == (
        "FixedAmount", 50_000, True, 1)
    assert await balance_and_ledger(client, sessionmaker, user) == (70, 70)
    quote = await client.post("/api/promotions/validate-voucher", headers=user.headers,
                              json={"code": voucher["code"], "amount": 200_000})
    assert quote.json()["discount"] == 50_000
    theirs = await client.post("/api/promotions/validate-voucher", headers=other.headers,
                               json={"code": voucher["code"], "amount": 200_000})
    assert theirs.status_code == 404, "only its owner can use it"


async def test_parallel_redemptions_never_spend_more_than_the_balance(
        client: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker) -> None:
    user = await with_points(sessionmaker, make_user, 100)
    answers = await asyncio.gather(*(client.post("/api/promotions/redeem-points", headers=user.headers,
                                                 json={"points": 30}) for _ in range(10)))
    assert sorted(a.status_code for a in answers) == [201] * 3 + [409] * 7
    refused = next(a for a in answers if a.status_code == 409).json()["error"]
    assert refused["code"] == "POINTS_NOT_ENOUGH" and refused["details"]["balance"] in (10, 40, 70)
    assert await balance_and_ledger(client, sessionmaker, user) == (10, 10)


@pytest.mark.parametrize("body", [{"points": 0}, {"points": 9}, {"points": 100_001}, {"points": "many"}, {},
                                  {"points": 20, "value": 1}])
async def test_bad_requests_are_422_and_spend_nothing(client: httpx.AsyncClient, make_user: Any,
                                                      sessionmaker: SessionMaker, body: dict[str, Any]) -> None:
    user = await with_points(sessionmaker, make_user, 50)
    response = await client.post("/api/promotions/redeem-points", headers=user.headers, json=body)
    assert response.status_code == 422 and set(response.json()["error"]) == {"code", "message", "details"}
    assert await balance_and_ledger(client, sessionmaker, user) == (50, 50)


async def test_more_than_the_balance_is_409_and_anonymous_is_401(client: httpx.AsyncClient, make_user: Any,
                                                                 sessionmaker: SessionMaker) -> None:
    user = await with_points(sessionmaker, make_user, 20)
    response = await client.post("/api/promotions/redeem-points", headers=user.headers, json={"points": 21})
    assert (response.status_code, response.json()["error"]["details"]) == (409, {"balance": 20})
    assert (await client.post("/api/promotions/redeem-points", json={"points": 10})).status_code == 401
    assert await balance_and_ledger(client, sessionmaker, user) == (20, 20)
