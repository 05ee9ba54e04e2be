"""The F&B counter over real HTTP: a paid pre-order is collected once (two scans at once: one wins), unpaid or
cancelled orders are refused, the queue lists a cinema's waiting orders, and a sale without a ticket takes
its stock at once; bad input and short stock are 4xx that change nothing; only Staff may use the counter."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from domain.fnb import stock as fnb_stock
from domain.fnb.models import CounterSale, StockMovement, StockReservation
from domain.fnb.schemas import OrderLine
from domain.shared.outbox import OUTBOX
from domain.shared.roles import Role
from domain.shared.time import utcnow
from infra.db import SessionMaker, unit_of_work
from tests.api.test_fnb import _cinema, _marker


async def _item(client: httpx.AsyncClient, admin: Any, staff: Any, cinema: str, on_hand: int,
                **fields: Any) -> str:
    body = {"name": f"Bắp quầy {_marker()}", "category": "Food", "price": 55_000, **fields}
    response = await client.post("/api/fnb/items", headers=admin.headers, json=body)
    assert response.status_code == 201, response.text
    item_id: str = response.json()["id"]
    if on_hand:
        stocked = await client.put(f"/api/fnb/items/{item_id}/stock", headers=staff.headers,
                                   json={"cinemaId": cinema, "quantity": on_hand})
        assert stocked.status_code == 200, stocked.text
    return item_id


async def _on_hand(client: httpx.AsyncClient, staff: Any, cinema: str) -> dict[str, int]:
    response = await client.get("/api/fnb/stock", headers=staff.headers, params={"cinemaId": cinema})
    assert response.status_code == 200, response.text
    return {s["itemId"]: s["onHand"] for s in response.json()["items"]}


async def _ledger(client: httpx.AsyncClient, staff: Any, cinema: str) -> list[dict[str, Any]]:
    response = await client.get("/api/fnb/stock/movements", headers=staff.headers,
                                params={"cinemaId": cinema, "pageSize": 100})
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


async def _pre_order(sessionmaker: SessionMaker, cinema: str, item: str, *, quantity: int = 1, paid: bool = True,
                     starts_at: datetime | None = None) -> str:
    """A booking's F&B order as the saga leaves it: reserved, and sold once paid."""
    booking_id = uuid.uuid4()
    async with unit_of_work(sessionmaker) as session:
        await fnb_stock.reserve(session, booking_id=booking_id, cinema_id=uuid.UUID(cinema),
                                lines=[OrderLine(item_id=uuid.UUID(item), quantity=quantity)],
                                showtime_id=uuid.uuid4(), starts_at=starts_at or utcnow() + timedelta(hours=1))
        if paid:
            await fnb_stock.sell(session, booking_id=booking_id)
    return str(booking_id)


async def _collect(client: httpx.AsyncClient, staff: Any, booking: str, **params: str) -> httpx.Response:
    return await client.post(f"/api/fnb/orders/{booking}/collect", headers=staff.headers, params=params)


async def _queue(client: httpx.AsyncClient, staff: Any, cinema: str, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/fnb/orders", headers=staff.headers, params={"cinemaId": cinema, **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_collect_once_then_a_second_scan_says_when(client: httpx.AsyncClient, make_user: Any,
                                                         sessionmaker: SessionMaker) -> None:
    admin, staff = await make_user(Role.ADMIN), await make_user(Role.STAFF)
    cinema = await _cinema(client, admin)
    item = await _item(client, admin, staff, cinema, 10)
    booking = await _pre_order(sessionmaker, cinema, item, quantity=2)

    response = await _collect(client, staff, booking)
    assert response.status_code == 200, response.text
    order = response.json()
    assert (order["bookingId"], order["status"], order["amount"], order["collectedBy"]) == (
        booking, "Sold", 110_000, str(staff.id))
    assert [(line["itemId"], line["quantity"], line["unitPrice"]) for line in order["lines"]] == [(item, 2, 55_000)]

    again = await _collect(client, staff, booking)
    assert again.status_code == 409, again.text
    error = again.json()["error"]
    assert error["code"] == "FNB_ALREADY_COLLECTED"
    assert datetime.fromisoformat(error["details"]["collectedAt"]) == datetime.fromisoformat(order["collectedAt"])
    assert await _on_hand(client, staff, cinema) == {item: 8}, "collecting moves no stock: it left when paid"


async def test_two_scans_at_once_collect_exactly_once(client: httpx.AsyncClient, make_user: Any,
                                                      sessionmaker: SessionMaker) -> None:
    admin, first, second = await make_user(Role.ADMIN), await make_user(Role.STAFF), await make_user(Role.STAFF)
    cinema = await _cinema(client, admin)
    item = await _item(client, admin, first, cinema, 5)
    for _ in range(5):
        booking = await _pre_order(sessionmaker, cinema, item)
        responses = await asyncio.gather(_collect(client, first, booking), _collect(client, second, booking))
        assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
        [won] = [r.json() for r in responses if r.status_code == 200]
        [lost] = [r.json()["error"] for r in responses if r.status_code == 409]
        assert lost["code"] == "FNB_ALREADY_COLLECTED"
        assert lost["details"]["collectedBy"] == won["collectedBy"]
        async with unit_of_work(sessionmaker) as session:
            row = await session.get(StockReservation, uuid.UUID(booking))
            assert row is not None and str(row.collected_by) == won["collectedBy"]


async def test_collect_refuses_what_cannot_be_handed_out(client: httpx.AsyncClient, make_user: Any,
                                                         sessionmaker: SessionMaker) -> None:
    admin, staff = await make_user(Role.ADMIN), await make_user(Role.STAFF)
    cinema, other = await _cinema(client, admin), await _cinema(client, admin)
    item = await _item(client, admin, staff, cinema, 10)
    unpaid = await _pre_order(sessionmaker, cinema, item, paid=False)
    released = await _pre_order(sessionmaker, cinema, item, paid=False)
    returned = await _pre_order(sessionmaker, cinema, item)
    paid = await _pre_order(sessionmaker, cinema, item)
    async with unit_of_work(sessionmaker) as session:
        await fnb_stock.release(session, booking_id=uuid.UUID(released))
        await fnb_stock.give_back(session, booking_id=uuid.UUID(returned))

    for booking, params, expected in [
        (unpaid, {}, (409, "FNB_ORDER_NOT_PAID")), (released, {}, (409, "FNB_ORDER_CANCELLED")),
        (returned, {}, (409, "FNB_ORDER_CANCELLED")), (str(uuid.uuid4()), {}, (404, "FNB_ORDER_NOT_FOUND")),
        (paid, {"cinemaId": other}, (409, "FNB_WRONG_CINEMA")), ("not-a-uuid", {}, (422, "VALIDATION_ERROR")),
    ]:
        response = await _collect(client, staff, booking, **params)
        assert (response.status_code, response.json()["error"]["code"]) == expected, response.text
        assert set(response.json()["error"]) == {"code", "message", "details"}
    async with unit_of_work(sessionmaker) as session:
        rows = (await session.exec(select(StockReservation).where(
            col(StockReservation.booking_id).in_([uuid.UUID(b) for b in (unpaid, released, returned, paid)])))).all()
        assert all(r.collected_at is None and r.collected_by is None for r in rows), "a refusal changes nothing"
    assert (await _collect(client, staff, paid, cinemaId=cinema)).status_code == 200


async def test_queue_lists_waiting_orders_of_that_cinema(client: httpx.AsyncClient, make_user: Any,
                                                         sessionmaker: SessionMaker) -> None:
    admin, staff = await make_user(Role.ADMIN), await make_user(Role.STAFF)
    cinema, other = await _cinema(client, admin), await _cinema(client, admin)
    item = await _item(client, admin, staff, cinema, 20)
    elsewhere = await _item(client, admin, staff, other, 5)
    now = utcnow()
    later = await _pre_order(sessionmaker, cinema, item, starts_at=now + timedelta(hours=2))
    running = await _pre_order(sessionmaker, cinema, item, starts_at=now - timedelta(hours=1))
    await _pre_order(sessionmaker, cinema, item, starts_at=now - timedelta(hours=4))  # long over
    await _pre_order(sessionmaker, other, elsewhere)
    await _pre_order(sessionmaker, cinema, item, paid=False)
    collected = await _pre_order(sessionmaker, cinema, item)
    assert (await _collect(client, staff, collected)).status_code == 200

    waiting = await _queue(client, staff, cinema)
    assert [o["bookingId"] for o in waiting["items"]] == [running, later] and waiting["total"] == 2
    row = waiting["items"][1]
    assert set(row) == {"bookingId", "cinemaId", "showtimeId", "startsAt", "lines", "amount", "status",
                        "collectedAt", "collectedBy"}
    assert (row["status"], row["collectedAt"], row["amount"]) == ("Sold", None, 55_000)
    first_page = await _queue(client, staff, cinema, pageSize=1)
    assert ([o["bookingId"] for o in first_page["items"]], first_page["total"]) == ([running], 2)
    done = await _queue(client, staff, cinema, state="collected")
    assert [o["bookingId"] for o in done["items"]] == [collected]

    assert (await _collect(client, staff, running)).status_code == 200
    assert [o["bookingId"] for o in (await _queue(client, staff, cinema))["items"]] == [later]
    for params, expected in [({"cinemaId": str(uuid.uuid4())}, (404, "CINEMA_NOT_FOUND")),
                             ({"cinemaId": cinema, "state": "ready"}, (422, "VALIDATION_ERROR")),
                             ({}, (422, "VALIDATION_ERROR"))]:
        response = await client.get("/api/fnb/orders", headers=staff.headers, params=params)
        assert (response.status_code, response.json()["error"]["code"]) == expected, response.text


async def test_counter_sale_takes_stock_at_once(client: httpx.AsyncClient, make_user: Any,
                                                sessionmaker: SessionMaker) -> None:
    admin, staff = await make_user(Role.ADMIN), await make_user(Role.STAFF)
    cinema = await _cinema(client, admin)
    popcorn = await _item(client, admin, staff, cinema, 10)
    coke = await _item(client, admin, staff, cinema, 10, name=f"Coca quầy {_marker()}", category="Drink",
                       price=35_000)
    response = await client.post("/api/fnb/combos", headers=admin.headers, json={
        "name": f"Combo quầy {_marker()}", "price": 109_000,
        "items": [{"itemId": popcorn, "quantity": 1}, {"itemId": coke, "quantity": 2}]})
    assert response.status_code == 201, response.text
    combo = response.json()

    response = await client.post("/api/fnb/orders", headers=staff.headers, json={
        "cinemaId": cinema, "paymentMethod": "Cash",
        "items": [{"itemId": popcorn, "quantity": 2}, {"comboId": combo["id"], "quantity": 1}]})
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert set(receipt) == {"saleId", "cinemaId", "lines", "amount", "paymentMethod", "soldBy", "createdAt"}
    assert (receipt["cinemaId"], receipt["paymentMethod"], receipt["soldBy"], receipt["amount"]) == (
        cinema, "Cash", str(staff.id), 2 * 55_000 + 109_000)
    assert [(line.get("itemId"), line.get("comboId"), line["name"], line["quantity"], line["unitPrice"])
            for line in receipt["lines"]] == [(popcorn, None, receipt["lines"][0]["name"], 2, 55_000),
                                              (None, combo["id"], combo["name"], 1, 109_000)]

    assert await _on_hand(client, staff, cinema) == {popcorn: 7, coke: 8}
    sales = [(m["itemId"], m["quantity"], m["reservedChange"], m["actorId"], m["saleId"])
             for m in await _ledger(client, staff, cinema) if m["kind"] == "Sale"]
    assert sorted(sales) == sorted([(popcorn, -3, 0, str(staff.id), receipt["saleId"]),
                                    (coke, -2, 0, str(staff.id), receipt["saleId"])])
    async with unit_of_work(sessionmaker) as session:
        rows = (await session.exec(select(StockMovement).where(
            StockMovement.sale_id == uuid.UUID(receipt["saleId"])))).all()
        assert sorted((str(m.item_id), m.quantity) for m in rows) == sorted([(popcorn, -3), (coke, -2)])
        sale = await session.get(CounterSale, uuid.UUID(receipt["saleId"]))
        assert sale is not None and (sale.amount, sale.payment_method) == (receipt["amount"], "Cash")
        outbox = OUTBOX["fnb"]
        [event] = (await session.exec(select(outbox.c.envelope).where(  # type: ignore[call-overload]
            outbox.c.topic == "fnb.order.sold", outbox.c.aggregate_id == receipt["saleId"]))).all()
    assert (event["data"]["amount"], event["data"]["paymentMethod"]) == (receipt["amount"], "Cash")


async def test_a_repeated_idempotency_key_sells_once(client: httpx.AsyncClient, make_user: Any) -> None:
    admin, staff = await make_user(Role.ADMIN), await make_user(Role.STAFF)
    cinema = await _cinema(client, admin)
    item = await _item(client, admin, staff, cinema, 10)
    body = {"cinemaId": cinema, "paymentMethod": "Card", "items": [{"itemId": item, "quantity": 3}]}
    headers = {**staff.headers, "Idempotency-Key": f"till-{_marker()}"}

    first, again = [await client.post("/api/fnb/orders", headers=headers, json=body) for _ in range(2)]
    assert (first.status_code, again.status_code) == (201, 201), (first.text, again.text)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    other = {**staff.headers, "Idempotency-Key": f"till-{_marker()}"}
    at_once = await asyncio.gather(*[client.post("/api/fnb/orders", json=body, headers=other) for _ in range(3)])
    assert {r.status_code for r in at_once} <= {201, 409} and 201 in {r.status_code for r in at_once}
    assert all(r.json()["error"]["code"] == "IDEMPOTENCY_IN_PROGRESS" for r in at_once if r.status_code == 409)
    assert len({r.json()["saleId"] for r in at_once if r.status_code == 201}) == 1
    assert await _on_hand(client, staff, cinema) == {item: 4}, "each key sold its 3 units once"
    reused = await client.post("/api/fnb/orders", headers=headers, json={**body, "paymentMethod": "Cash"})
    assert (reused.status_code, reused.json()["error"]["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")


async def test_out_of_stock_sale_changes_nothing(client: httpx.AsyncClient, make_user: Any,
                                                 sessionmaker: SessionMaker) -> None:
    admin, staff = await make_user(Role.ADMIN), await make_user(Role.STAFF)
    cinema = await _cinema(client, admin)
    popcorn = await _item(client, admin, staff, cinema, 1)
    coke = await _item(client, admin, staff, cinema, 5, name=f"Coca quầy {_marker()}", category="Drink")
    before = await _ledger(client, staff, cinema)

    response = await client.post("/api/fnb/orders", headers=staff.headers, json={
        "cinemaId": cinema, "paymentMethod": "Card",
        "items": [{"itemId": coke, "quantity": 2}, {"itemId": popcorn, "quantity": 2}]})
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "FNB_OUT_OF_STOCK"
    assert error["details"] == [{"itemId": popcorn, "needed": 2, "available": 1}]
    assert await _on_hand(client, staff, cinema) == {popcorn: 1, coke: 5}
    assert await _ledger(client, staff, cinema) == before
    async with unit_of_work(sessionmaker) as session:
        sales = (await session.exec(select(func.count()).select_from(CounterSale).where(
            CounterSale.cinema_id == uuid.UUID(cinema)))).one()
        assert sales == 0


@pytest.mark.parametrize("change", [
    {"quantity": 0}, {"quantity": -1}, {"quantity": 21}, {"itemId": "unknown"}, {"itemId": "hidden"},
    {"itemId": "off"}, {"lines": 1000}, {"lines": 0}, {"paymentMethod": None}, {"paymentMethod": "Bitcoin"},
    {"cinemaId": "unknown"}, {"comboId": "also"}, {"extra": True},
])
async def test_bad_counter_sales_are_4xx_and_change_nothing(client: httpx.AsyncClient, make_user: Any,
                                                            change: dict[str, Any]) -> None:
    admin, staff = await make_user(Role.ADMIN), await make_user(Role.STAFF)
    cinema = await _cinema(client, admin)
    item = await _item(client, admin, staff, cinema, 5)
    hidden = await _item(client, admin, staff, cinema, 5, hiddenAt=[cinema])
    off = await _item(client, admin, staff, cinema, 5, isAvailable=False)
    line: dict[str, Any] = {"itemId": {"unknown": str(uuid.uuid4()), "hidden": hidden, "off": off}.get(
        change.get("itemId", ""), item), "quantity": change.get("quantity", 1)}
    if "comboId" in change:
        line["comboId"] = str(uuid.uuid4())
    body: dict[str, Any] = {"cinemaId": str(uuid.uuid4()) if "cinemaId" in change else cinema,
                            "items": [line] * change.get("lines", 1), "paymentMethod": "Cash"}
    if "paymentMethod" in change:
        body.pop("paymentMethod")
        if change["paymentMethod"] is not None:
            body["paymentMethod"] = change["paymentMethod"]
    if "extra" in change:
        body["note"] = "x"
    before, stock = await _ledger(client, staff, cinema), await _on_hand(client, staff, cinema)

    response = await client.post("/api/fnb/orders", headers=staff.headers, json=body)
    assert 400 <= response.status_code < 500 and response.status_code not in (401, 403), response.text
    assert set(response.json()["error"]) == {"code", "message", "details"}
    assert await _on_hand(client, staff, cinema) == stock
    assert await _ledger(client, staff, cinema) == before


async def test_only_staff_use_the_counter(client: httpx.AsyncClient, make_user: Any) -> None:
    customer = await make_user(Role.CUSTOMER)
    some = str(uuid.uuid4())
    for method, path, body in [
        ("GET", f"/api/fnb/orders?cinemaId={some}", None), ("POST", f"/api/fnb/orders/{some}/collect", None),
        ("POST", "/api/fnb/orders", {"cinemaId": some, "paymentMethod": "Cash",
                                     "items": [{"itemId": some, "quantity": 1}]}),
    ]:
        response = await client.request(method, path, headers=customer.headers, json=body)
        assert (response.status_code, response.json()["error"]["code"]) == (403, "FORBIDDEN"), (path, response.text)
        response = await client.request(method, path, json=body)
        assert (response.status_code, response.json()["error"]["code"]) == (401, "UNAUTHORIZED"), (path, response.text)
