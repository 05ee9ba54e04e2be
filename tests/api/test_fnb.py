"""The F&B service over real HTTP: menu upkeep (Admin), the public menu of a cinema, staff stock changes
and the ledger; every route refuses the wrong role, and bad input is a 4xx that changes nothing."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
import pytest
from PIL import Image

from domain.shared.roles import Role


def _marker() -> str:
    return uuid.uuid4().hex[:8]


async def _cinema(client: httpx.AsyncClient, admin: Any) -> str:
    response = await client.post("/api/cinemas", headers=admin.headers, json={
        "name": f"Rạp F&B {_marker()}", "address": "1 Lê Lợi", "city": "Cà Mau", "district": "Phường 1",
        "latitude": 9.18, "longitude": 105.15})
    assert response.status_code == 201, response.text
    return response.json()["id"]  # type: ignore[no-any-return]


async def _item(client: httpx.AsyncClient, admin: Any, **fields: Any) -> dict[str, Any]:
    body = {"name": f"Bắp rang bơ {_marker()}", "category": "Food", "price": 55_000, **fields}
    response = await client.post("/api/fnb/items", headers=admin.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _stock(client: httpx.AsyncClient, staff: Any, item_id: str, **body: Any) -> httpx.Response:
    return await client.put(f"/api/fnb/items/{item_id}/stock", headers=staff.headers, json=body)


async def _menu(client: httpx.AsyncClient, path: str, cinema: str) -> dict[str, dict[str, Any]]:
    response = await client.get(path, params={"cinemaId": cinema, "pageSize": 100})
    assert response.status_code == 200, response.text
    return {i["id"]: i for i in response.json()["items"]}


async def test_menu_stock_and_combo_availability_at_a_cinema(client: httpx.AsyncClient, make_user: Any) -> None:
    admin, staff = await make_user(Role.ADMIN), await make_user(Role.STAFF)
    cinema, other = await _cinema(client, admin), await _cinema(client, admin)
    popcorn = await _item(client, admin)
    coke = await _item(client, admin, name=f"Coca-Cola {_marker()}", category="Drink", price=35_000)
    hotdog = await _item(client, admin, name=f"Hot dog {_marker()}", hiddenAt=[other])
    response = await client.post("/api/fnb/combos", headers=admin.headers, json={
        "name": f"Combo Couple {_marker()}", "price": 109_000,
        "items": [{"itemId": popcorn["id"], "quantity": 1}, {"itemId": coke["id"], "quantity": 2}]})
    assert response.status_code == 201, response.text
    combo = response.json()
    assert (combo["category"], combo["discount"]) == ("Combo", 55_000 + 70_000 - 109_000)

    assert (await _stock(client, staff, popcorn["id"], cinemaId=cinema, quantity=8)).status_code == 200
    changed = await _stock(client, staff, coke["id"], cinemaId=cinema, delta=5, reason="delivery", kind="Receipt",
                           lowStockThreshold=5)
    assert changed.status_code == 200, changed.text
    assert changed.json() | {"name": ""} == {"cinemaId": cinema, "itemId": coke["id"], "name": "", "onHand": 5,
                                             "reserved": 0, "available": 5, "lowStockThreshold": 5, "low": True}

    items = await _menu(client, "/api/fnb/items", cinema)
    assert items[popcorn["id"]]["stock"] == 8 and items[hotdog["id"]]["available"] is False
    assert hotdog["id"] not in await _menu(client, "/api/fnb/items", other), "hidden at that cinema"
    combos = await _menu(client, "/api/fnb/combos", cinema)
    assert (combos[combo["id"]]["stock"], combos[combo["id"]]["available"]) == (2, True)  # 5 cokes // 2

    response = await client.get("/api/fnb/stock/movements", headers=staff.headers,
                                params={"cinemaId": cinema, "itemId": coke["id"]})
    assert response.status_code == 200
    [movement] = response.json()["items"]
    assert (movement["kind"], movement["quantity"], movement["actorId"]) == ("Receipt", 5, str(staff.id))
    response = await client.get("/api/fnb/stock", headers=staff.headers, params={"cinemaId": cinema})
    assert {s["itemId"]: s["onHand"] for s in response.json()["items"]} == {popcorn["id"]: 8, coke["id"]: 5}


@pytest.mark.parametrize("body", [
    {"quantity": -1}, {"delta": 0, "reason": "x"}, {"delta": 3}, {"quantity": 2, "delta": 1, "reason": "x"},
    {"delta": -2, "reason": "x", "kind": "Receipt"}, {"delta": 10**9, "reason": "x"}, {}, {"delta": -9, "reason": "x"},
])
async def test_bad_stock_changes_are_4xx_and_change_nothing(client: httpx.AsyncClient, make_user: Any,
                                                            body: dict[str, Any]) -> None:
    admin, staff = await make_user(Role.ADMIN), await make_user(Role.STAFF)
    cinema, item = await _cinema(client, admin), await _item(client, admin)
    assert (await _stock(client, staff, item["id"], cinemaId=cinema, quantity=3)).status_code == 200
    response = await _stock(client, staff, item["id"], cinemaId=cinema, **body)
    assert response.status_code in (409, 422), response.text
    assert set(response.json()["error"]) == {"code", "message", "details"}
    assert (await _menu(client, "/api/fnb/items", cinema))[item["id"]]["stock"] == 3


async def test_stock_cannot_overflow(client: httpx.AsyncClient, make_user: Any) -> None:
    admin, staff = await make_user(Role.ADMIN), await make_user(Role.STAFF)
    cinema, item = await _cinema(client, admin), await _item(client, admin)
    for _ in range(10):
        assert (await _stock(client, staff, item["id"], cinemaId=cinema, delta=10**6, reason="x")).status_code == 200
    response = await _stock(client, staff, item["id"], cinemaId=cinema, delta=1, reason="x")
    assert response.status_code == 422, response.text


async def test_unknown_things_are_404(client: httpx.AsyncClient, make_user: Any) -> None:
    admin, staff = await make_user(Role.ADMIN), await make_user(Role.STAFF)
    cinema, item = await _cinema(client, admin), await _item(client, admin)
    nobody = str(uuid.uuid4())
    for response, code in [
        (await _stock(client, staff, nobody, cinemaId=cinema, quantity=1), "FNB_ITEM_NOT_FOUND"),
        (await _stock(client, staff, item["id"], cinemaId=nobody, quantity=1), "CINEMA_NOT_FOUND"),
        (await client.get("/api/fnb/items", params={"cinemaId": nobody}), "CINEMA_NOT_FOUND"),
        (await client.put(f"/api/fnb/combos/{nobody}", headers=admin.headers, json={"price": 1}),
         "FNB_COMBO_NOT_FOUND"),
        (await client.post("/api/fnb/combos", headers=admin.headers, json={
            "name": f"Combo {_marker()}", "price": 1, "items": [{"itemId": nobody, "quantity": 1}]}),
         "FNB_ITEM_NOT_FOUND"),
    ]:
        assert (response.status_code, response.json()["error"]["code"]) == (404, code), response.text


@pytest.mark.parametrize("body", [
    {"category": "Combo"}, {"price": -1}, {"name": " "}, {"hiddenAt": [str(uuid.uuid4())] * 101},
    {"price": None}, {"extra": 1},
])
async def test_bad_items_are_422(client: httpx.AsyncClient, make_user: Any, body: dict[str, Any]) -> None:
    admin = await make_user(Role.ADMIN)
    item = await _item(client, admin)
    response = await client.put(f"/api/fnb/items/{item['id']}", headers=admin.headers, json=body)
    assert response.status_code == 422, response.text


async def test_bad_combos_are_4xx(client: httpx.AsyncClient, make_user: Any) -> None:
    admin = await make_user(Role.ADMIN)
    item = await _item(client, admin, price=10_000)
    line = {"itemId": item["id"], "quantity": 1}
    for body, expected in [
        ({"items": [line] * 2, "price": 5_000}, 422), ({"items": [], "price": 5_000}, 422),
        ({"items": [line] * 1000, "price": 5_000}, 422), ({"items": [line], "price": 20_000}, 422),
        ({"items": [{**line, "quantity": 0}], "price": 5_000}, 422),
    ]:
        response = await client.post("/api/fnb/combos", headers=admin.headers,
                                     json={"name": f"Combo {_marker()}", **body})
        assert response.status_code == expected, response.text
    taken = await client.post("/api/fnb/items", headers=admin.headers,
                              json={"name": item["name"], "category": "Food", "price": 1})
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "FNB_NAME_TAKEN")


async def test_item_image_upload(client: httpx.AsyncClient, make_user: Any) -> None:
    admin = await make_user(Role.ADMIN)
    item = await _item(client, admin)
    png = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(png, format="PNG")
    response = await client.post(f"/api/fnb/items/{item['id']}/image", headers=admin.headers,
                                 files={"file": ("bap.png", png.getvalue(), "image/png")})
    assert response.status_code == 200, response.text
    assert response.json()["imageUrl"].endswith(".png")
    bad = await client.post(f"/api/fnb/items/{item['id']}/image", headers=admin.headers,
                            files={"file": ("x.png", b"not an image", "image/png")})
    assert bad.status_code == 415


async def test_each_route_refuses_the_role_below(client: httpx.AsyncClient, make_user: Any) -> None:
    customer, staff = await make_user(Role.CUSTOMER), await make_user(Role.STAFF)
    some = str(uuid.uuid4())
    for user, method, path in [
        (staff, "POST", "/api/fnb/items"), (staff, "PUT", f"/api/fnb/items/{some}"),
        (staff, "POST", "/api/fnb/combos"), (staff, "PUT", f"/api/fnb/combos/{some}"),
        (staff, "POST", f"/api/fnb/items/{some}/image"),
        (customer, "PUT", f"/api/fnb/items/{some}/stock"), (customer, "GET", f"/api/fnb/stock?cinemaId={some}"),
        (customer, "GET", f"/api/fnb/stock/movements?cinemaId={some}"),
    ]:
        response = await client.request(method, path, headers=user.headers, json={})
        assert response.status_code == 403, (method, path, response.text)
        response = await client.request(method, path, json={})
        assert response.status_code == 401, (method, path, response.text)
