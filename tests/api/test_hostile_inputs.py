"""Inputs a fuzzer sends that once gave 500s: each is a 4xx in the one error shape (issue 11, item 7)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from domain.shared.roles import Role

LIST_ROUTES = ["/api/users/booking-history", "/api/admin/users", "/api/movies", "/api/movies/now-showing",
               "/api/movies/coming-soon", "/api/movies/trending", "/api/genres", "/api/cinemas",
               "/api/showtimes", "/api/promotions/vouchers", "/api/promotions/loyalty-points",
               "/api/bookings/my-bookings", "/api/payments/history"]


def _refusal(response: httpx.Response, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert "Error" not in error["message"] and "Exception" not in error["message"]
    return error  # type: ignore[no-any-return]


@pytest.fixture
async def admin(make_user: Any) -> Any:
    return await make_user(Role.ADMIN)


@pytest.mark.parametrize("path", LIST_ROUTES)
async def test_a_huge_page_is_a_422(client: httpx.AsyncClient, admin: Any, path: str) -> None:
    response = await client.get(path, params={"page": str(10**22)}, headers=admin.headers)
    assert _refusal(response)["code"] == "VALIDATION_ERROR"


async def test_the_deepest_page_answers_empty(client: httpx.AsyncClient, admin: Any) -> None:
    response = await client.get("/api/movies", params={"page": "10000"})
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


@pytest.mark.parametrize("path", ["/api/movies/%00", "/api/cinemas/x%00y/theaters"])
async def test_nul_in_a_path_is_a_422(client: httpx.AsyncClient, path: str) -> None:
    assert _refusal(await client.get(path))["details"][0]["field"] == "path"


@pytest.mark.parametrize(("path", "params"), [("/api/movies", {"search": "a\x00b"}),
                                              ("/api/cinemas", {"city": "\x00"}),
                                              ("/api/movies", {"ge\x00nre": "x"})])
async def test_nul_in_a_query_is_a_422(client: httpx.AsyncClient, path: str, params: dict[str, str]) -> None:
    assert _refusal(await client.get(path, params=params))["details"][0]["field"] == "query"


async def test_nul_in_a_json_body_is_a_422_and_nothing_is_stored(client: httpx.AsyncClient, admin: Any) -> None:
    marker = uuid.uuid4().hex[:8]
    response = await client.post("/api/genres", headers=admin.headers,
                                 json={"name": f"Genre\x00{marker}", "slug": f"g-{marker}"})
    assert _refusal(response)["details"][0]["field"] == "body"
    listed = await client.get("/api/genres", params={"pageSize": 100})
    assert all(marker not in g["name"] for g in listed.json()["items"])


async def test_nul_in_a_login_form_field_is_a_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login", json={"email": "a\x00@example.com", "password": "x\x00"})
    assert _refusal(response)["code"] == "VALIDATION_ERROR"


async def test_nul_to_vnpay_webhook_gets_vnpay_refusal(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/payments/webhook/vnpay", params={"vnp_TxnRef": "a\x00"})
    assert response.status_code == 200
    assert response.json() == {"RspCode": "97", "Message": "Invalid signature"}
    form = await client.post("/api/payments/webhook/vnpay", data={"vnp_TxnRef": "a\x00"})
    assert form.json() == {"RspCode": "97", "Message": "Invalid signature"}


async def test_nul_to_zalopay_webhook_gets_zalopay_refusal(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/payments/webhook/zalopay", json={"data": "{\"a\": \"\x00\"}", "mac": "x"})
    assert response.status_code == 200
    assert response.json() == {"return_code": -1, "return_message": "mac not equal"}


async def test_nul_to_momo_webhook_gets_momo_refusal(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/payments/webhook/momo", json={"orderId": "a\x00", "signature": "x"})
    plain = await client.post("/api/payments/webhook/momo", json={"orderId": "a", "signature": "x"})
    assert response.status_code == plain.status_code and response.json() == plain.json()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
async def test_a_far_date_is_a_422(client: httpx.AsyncClient, day: str) -> None:
    assert _refusal(await client.get("/api/showtimes", params={"date": day}))["code"] == "VALIDATION_ERROR"


async def test_a_denormal_coordinate_is_answered(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/cinemas/nearby", params={"lat": "5e-324", "lng": "2.2250738585072014e-308"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("params", [{"lat": "nan", "lng": "1"}, {"lat": "1", "lng": "inf"},
                                    {"lat": "1", "lng": "1", "radiusKm": "5e-324"}])
async def test_a_non_finite_or_tiny_float_is_a_422(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    assert _refusal(await client.get("/api/cinemas/nearby", params=params))["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("field", ["trailerUrl", "posterUrl"])
async def test_a_very_long_media_url_is_a_422(client: httpx.AsyncClient, admin: Any, field: str) -> None:
    body = {"title": f"Long url {uuid.uuid4().hex[:8]}", "duration": 100, "releaseDate": "2026-01-01",
            "language": "vi", "ageRating": "P", field: "https://example.com/" + "a" * 600}
    response = await client.post("/api/movies", headers=admin.headers, json=body)
    assert _refusal(response)["details"][0]["field"] == field


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
async def test_a_far_release_date_is_a_422(client: httpx.AsyncClient, admin: Any, day: str) -> None:
    body = {"title": f"Far {uuid.uuid4().hex[:8]}", "duration": 100, "releaseDate": day, "language": "vi",
            "ageRating": "P"}
    assert _refusal(await client.post("/api/movies", headers=admin.headers, json=body))["code"] == "VALIDATION_ERROR"
