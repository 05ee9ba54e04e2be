"""Idempotency-Key on POST: the same request twice creates once and answers the same."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from domain.shared.roles import Role
from tests.api.test_promotions import voucher_body


async def test_a_repeat_gets_the_first_answer_and_creates_nothing(client: httpx.AsyncClient, make_user: Any) -> None:
    admin = await make_user(Role.ADMIN)
    body, headers = voucher_body(), {**admin.headers, "Idempotency-Key": "create-voucher-1"}
    first = await client.post("/api/promotions/vouchers", json=body, headers=headers)
    again = await client.post("/api/promotions/vouchers", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    listed = await client.get("/api/promotions/vouchers", params={"pageSize": 100}, headers=admin.headers)
    assert [v["code"] for v in listed.json()["items"]].count(body["code"].upper()) == 1


async def test_same_key_other_body_is_refused(client: httpx.AsyncClient, make_user: Any) -> None:
    admin = await make_user(Role.ADMIN)
    headers = {**admin.headers, "Idempotency-Key": "create-voucher-2"}
    assert (await client.post("/api/promotions/vouchers", json=voucher_body(), headers=headers)).status_code == 201
    other = await client.post("/api/promotions/vouchers", json=voucher_body(), headers=headers)
    assert other.status_code == 422 and other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_keys_belong_to_their_caller(client: httpx.AsyncClient, make_user: Any) -> None:
    first, second = await make_user(Role.ADMIN), await make_user(Role.ADMIN)
    body = voucher_body()
    one = await client.post("/api/promotions/vouchers", json=body,
                            headers={**first.headers, "Idempotency-Key": "shared-key"})
    two = await client.post("/api/promotions/vouchers", json=body,
                            headers={**second.headers, "Idempotency-Key": "shared-key"})
    assert one.status_code == 201 and two.status_code == 409  # a real second attempt: the code is taken


async def test_concurrent_repeats_run_once(client: httpx.AsyncClient, make_user: Any) -> None:
    admin = await make_user(Role.ADMIN)
    body, headers = voucher_body(), {**admin.headers, "Idempotency-Key": "burst"}
    answers = await asyncio.gather(*(client.post("/api/promotions/vouchers", json=body, headers=headers)
                                     for _ in range(5)))
    codes = sorted(a.status_code for a in answers)
    assert codes.count(201) >= 1 and set(codes) <= {201, 409}
    assert all(a.json()["error"]["code"] == "IDEMPOTENCY_IN_PROGRESS" for a in answers if a.status_code == 409)
