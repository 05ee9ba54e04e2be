"""Showtimes over real HTTP: scheduling rules, overlap under concurrency, listings, seat maps, cancel."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import func, update
from sqlmodel import col, select

from domain.cinemas.models import TheaterStatus
from domain.movies.models import MovieStatus
from domain.shared.roles import Role
from domain.shared.time import LOCAL_TZ, utcnow
from domain.showtimes.models import SeatStatus, SeatType, Showtime, ShowtimeSeat, ShowtimeStatus
from domain.showtimes.pricing import PricingPolicy, quote
from infra.db import SessionMaker, unit_of_work
from tests.domain.showtimes.factories import local_time, local_today, make_movie, make_theater
from tests.eventually import eventually

if TYPE_CHECKING:
    from tests.conftest import TestUser

pytestmark = pytest.mark.usefixtures("worker")

GAP = timedelta(minutes=15)


@pytest.fixture
async def admin(make_user: Any) -> TestUser:
    return await make_user(Role.ADMIN)  # type: ignore[no-any-return]


def _day(days_ahead: int = 5) -> Any:
    return local_today() + timedelta(days=days_ahead)


async def _create(
    client: httpx.AsyncClient,
    user: TestUser,
    *,
    movie_id: Any,
    theater_id: Any,
    start: datetime,
    base_price: int = 90_000,
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        "/api/showtimes",
        headers=user.headers,
        json={
            "movieId": str(movie_id),
            "theaterId": str(theater_id),
            "startTime": start.isoformat(),
            "basePrice": base_price,
            **extra,
        },
    )


async def _created(client: httpx.AsyncClient, user: TestUser, **kwargs: Any) -> dict[str, Any]:
    response = await _create(client, user, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _count(sessionmaker: SessionMaker, theater_id: Any) -> int:
    async with unit_of_work(sessionmaker) as session:
        stmt = select(func.count()).select_from(Showtime).where(col(Showtime.theater_id) == theater_id)
        return (await session.exec(stmt)).one()


async def _set_seats(
    sessionmaker: SessionMaker, showtime_id: Any, row: str, numbers: list[int], **values: Any
) -> None:
    async with unit_of_work(sessionmaker) as session:
        await session.exec(
            update(ShowtimeSeat)
            .where(
                col(ShowtimeSeat.showtime_id) == uuid.UUID(str(showtime_id)),
                col(ShowtimeSeat.row) == row,
                col(ShowtimeSeat.number).in_(numbers),
            )
            .values(**values)
        )


@pytest.fixture
async def catalog(sessionmaker: SessionMaker) -> tuple[Any, Any]:
    return await make_movie(sessionmaker, duration=100), await make_theater(sessionmaker)


class TestCreate:
    async def test_schedules_with_seats_prices_and_cleaning_gap(
        self, client: httpx.AsyncClient, admin: TestUser, catalog: tuple[Any, Any]
    ) -> None:
        movie, theater = catalog
        start = local_time(_day(), 14, 0)
        body = await _created(client, admin, movie_id=movie.id, theater_id=theater.id, start=start)
        assert body["status"] == "Scheduled" and body["cinemaId"] == str(theater.cinema_id)
        assert body["movieTitle"] == movie.title and body["basePrice"] == 90_000
        assert datetime.fromisoformat(body["startTime"]) == start
        assert datetime.fromisoformat(body["endTime"]) == start + timedelta(minutes=100) + GAP
        assert (body["totalSeats"], body["availableSeats"]) == (18, 17)  # A3 is broken
        assert [p["seatType"] for p in body["prices"]] == ["Standard", "VIP", "Couple"]

        again = await client.get(f"/api/showtimes/{body['id']}")
        assert again.status_code == 200 and again.json()["id"] == body["id"]

    async def test_overlap_is_409_naming_the_clashing_showtime(
        self, client: httpx.AsyncClient, admin: TestUser, catalog: tuple[Any, Any], sessionmaker: SessionMaker
    ) -> None:
        movie, theater = catalog
        first = await _created(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(_day(), 10, 0)
        )
        inside_gap = await _create(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(_day(), 11, 50)
        )  # the first ends at 11:55 with cleaning
        assert inside_gap.status_code == 409
        error = inside_gap.json()["error"]
        assert (
            error["code"] == "SHOWTIME_OVERLAP" and error["details"]["clashingShowtime"]["id"] == first["id"]
        )
        back_to_back = await _create(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(_day(), 11, 55)
        )
        assert back_to_back.status_code == 201, back_to_back.text
        assert await _count(sessionmaker, theater.id) == 2

    async def test_two_admins_at_once_exactly_one_wins(
        self, client: httpx.AsyncClient, make_user: Any, catalog: tuple[Any, Any], sessionmaker: SessionMaker
    ) -> None:
        movie, theater = catalog
        admins = [await make_user(Role.ADMIN) for _ in range(2)]
        for hour in (9, 12, 15, 18):  # several rounds: the race is decided by the database every time
            responses = await asyncio.gather(
                *(
                    _create(
                        client,
                        who,
                        movie_id=movie.id,
                        theater_id=theater.id,
                        start=local_time(_day(), hour, minute),
                    )
                    for who, minute in zip(admins, (0, 30), strict=True)
                )
            )
            assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
            loser = next(r for r in responses if r.status_code == 409).json()["error"]
            winner = next(r for r in responses if r.status_code == 201).json()
            assert loser["details"]["clashingShowtime"]["id"] == winner["id"]
        assert await _count(sessionmaker, theater.id) == 4

    async def test_cancelled_showtime_frees_its_slot(
        self, client: httpx.AsyncClient, admin: TestUser, catalog: tuple[Any, Any]
    ) -> None:
        movie, theater = catalog
        start = local_time(_day(), 20, 0)
        first = await _created(client, admin, movie_id=movie.id, theater_id=theater.id, start=start)
        assert (
            await client.delete(f"/api/showtimes/{first['id']}", headers=admin.headers)
        ).status_code == 200
        await _created(client, admin, movie_id=movie.id, theater_id=theater.id, start=start)

    async def test_theater_not_active_is_409(
        self, client: httpx.AsyncClient, admin: TestUser, sessionmaker: SessionMaker
    ) -> None:
        movie = await make_movie(sessionmaker)
        theater = await make_theater(sessionmaker, status=TheaterStatus.MAINTENANCE)
        response = await _create(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(_day(), 10)
        )
        assert response.status_code == 409 and response.json()["error"]["code"] == "THEATER_NOT_ACTIVE"
        assert await _count(sessionmaker, theater.id) == 0

    async def test_ended_movie_is_409(
        self, client: httpx.AsyncClient, admin: TestUser, sessionmaker: SessionMaker
    ) -> None:
        movie = await make_movie(
            sessionmaker,
            release_date=local_today() - timedelta(days=60),
            end_date=local_today() - timedelta(days=1),
        )
        assert movie.status is MovieStatus.ENDED
        theater = await make_theater(sessionmaker)
        response = await _create(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(_day(), 10)
        )
        assert response.status_code == 409 and response.json()["error"]["code"] == "MOVIE_ENDED"

    async def test_after_the_movies_run_is_422(
        self, client: httpx.AsyncClient, admin: TestUser, sessionmaker: SessionMaker
    ) -> None:
        movie = await make_movie(sessionmaker, end_date=local_today() + timedelta(days=2))
        theater = await make_theater(sessionmaker)
        response = await _create(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(_day(3), 10)
        )
        assert response.status_code == 422 and response.json()["error"]["code"] == "INVALID_SCHEDULE"
        assert await _count(sessionmaker, theater.id) == 0

    async def test_unknown_movie_is_404(
        self, client: httpx.AsyncClient, admin: TestUser, sessionmaker: SessionMaker
    ) -> None:
        theater = await make_theater(sessionmaker)
        response = await _create(
            client, admin, movie_id=uuid.uuid4(), theater_id=theater.id, start=local_time(_day(), 10)
        )
        assert response.status_code == 404

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"startTime": "2030-01-01T10:00:00"}, "startTime"),  # no UTC offset
            ({"startTime": "yesterday"}, "startTime"),
            ({"basePrice": -1000}, "basePrice"),
            ({"basePrice": 90_500}, "basePrice"),  # not a multiple of 1,000 VND
            ({"movieId": "not-a-uuid"}, "movieId"),
            ({"seatPricing": [{"seatType": "VIP"}]}, "seatPricing.0"),
            ({"seatPricing": [{"seatType": "VIP", "price": 1000, "multiplier": 1.2}]}, "seatPricing.0"),
            ({"seatPricing": [{"seatType": "Sofa", "price": 1000}]}, "seatPricing.0.seatType"),
        ],
    )
    async def test_bad_input_is_422_and_creates_nothing(
        self,
        client: httpx.AsyncClient,
        admin: TestUser,
        catalog: tuple[Any, Any],
        sessionmaker: SessionMaker,
        change: dict[str, Any],
        field: str,
    ) -> None:
        movie, theater = catalog
        body = {
            "movieId": str(movie.id),
            "theaterId": str(theater.id),
            "startTime": local_time(_day(), 10).isoformat(),
            "basePrice": 90_000,
            **change,
        }
        response = await client.post("/api/showtimes", headers=admin.headers, json=body)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["field"].startswith(field)
        assert await _count(sessionmaker, theater.id) == 0

    async def test_start_in_the_past_is_422(
        self, client: httpx.AsyncClient, admin: TestUser, catalog: tuple[Any, Any], sessionmaker: SessionMaker
    ) -> None:
        movie, theater = catalog
        response = await _create(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=utcnow() - timedelta(minutes=1)
        )
        assert response.status_code == 422 and response.json()["error"]["code"] == "INVALID_SCHEDULE"
        assert await _count(sessionmaker, theater.id) == 0

    @pytest.mark.parametrize("role", [Role.CUSTOMER, Role.STAFF, Role.MANAGER])
    async def test_only_admins_schedule(
        self,
        client: httpx.AsyncClient,
        make_user: Any,
        role: Role,
        catalog: tuple[Any, Any],
        sessionmaker: SessionMaker,
    ) -> None:
        movie, theater = catalog
        response = await _create(
            client,
            await make_user(role),
            movie_id=movie.id,
            theater_id=theater.id,
            start=local_time(_day(), 10),
        )
        assert response.status_code == 403
        anonymous = await client.post("/api/showtimes", json={})
        assert anonymous.status_code == 401
        assert await _count(sessionmaker, theater.id) == 0


class TestListing:
    async def test_date_is_a_local_day(
        self, client: httpx.AsyncClient, admin: TestUser, catalog: tuple[Any, Any]
    ) -> None:
        movie, theater = catalog
        day = _day(4)
        late = await _created(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(day, 23, 0)
        )
        # 00:30 the next local day is still `day` in UTC (17:30Z): it must not be listed under `day`.
        after_midnight = await _created(
            client,
            admin,
            movie_id=movie.id,
            theater_id=theater.id,
            start=local_time(day + timedelta(days=1), 1, 0),
        )
        assert datetime.fromisoformat(after_midnight["startTime"]).astimezone(LOCAL_TZ).date() != day
        listed = await client.get(
            "/api/showtimes", params={"theaterId": str(theater.id), "date": day.isoformat()}
        )
        assert listed.status_code == 200
        assert [s["id"] for s in listed.json()["items"]] == [late["id"]]
        next_day = await client.get(
            "/api/showtimes",
            params={"theaterId": str(theater.id), "date": (day + timedelta(days=1)).isoformat()},
        )
        assert [s["id"] for s in next_day.json()["items"]] == [after_midnight["id"]]

    async def test_filters_and_pages(
        self, client: httpx.AsyncClient, admin: TestUser, catalog: tuple[Any, Any], sessionmaker: SessionMaker
    ) -> None:
        movie, theater = catalog
        other_movie = await make_movie(sessionmaker)
        ids = [
            (
                await _created(
                    client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(_day(), hour)
                )
            )["id"]
            for hour in (9, 12, 15)
        ]
        await _created(
            client, admin, movie_id=other_movie.id, theater_id=theater.id, start=local_time(_day(), 18)
        )
        params = {"movieId": str(movie.id), "cinemaId": str(theater.cinema_id), "pageSize": 2}
        first = (await client.get("/api/showtimes", params=params)).json()
        second = (await client.get("/api/showtimes", params={**params, "page": 2})).json()
        assert (first["total"], first["page"], first["pageSize"]) == (3, 1, 2)
        assert [s["id"] for s in first["items"] + second["items"]] == ids

        await client.delete(f"/api/showtimes/{ids[0]}", headers=admin.headers)
        live = (await client.get("/api/showtimes", params=params)).json()
        assert live["total"] == 2
        cancelled = (await client.get("/api/showtimes", params={**params, "status": "Cancelled"})).json()
        assert [s["id"] for s in cancelled["items"]] == [ids[0]]

    @pytest.mark.parametrize(
        "params", [{"date": "2026-13-01"}, {"movieId": "x"}, {"pageSize": 0}, {"status": "Paused"}]
    )
    async def test_bad_filters_are_422(self, client: httpx.AsyncClient, params: dict[str, Any]) -> None:
        response = await client.get("/api/showtimes", params=params)
        assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR"

    async def test_unknown_showtime_is_404(self, client: httpx.AsyncClient) -> None:
        for path in ("", "/available-seats"):
            response = await client.get(f"/api/showtimes/{uuid.uuid4()}{path}")
            assert response.status_code == 404 and response.json()["error"]["code"] == "SHOWTIME_NOT_FOUND"


class TestSeatMap:
    async def test_every_seat_with_status_and_final_price(
        self, client: httpx.AsyncClient, admin: TestUser, catalog: tuple[Any, Any], sessionmaker: SessionMaker
    ) -> None:
        movie, theater = catalog
        start = local_time(_day(6), 19, 30)
        created = await _created(
            client,
            admin,
            movie_id=movie.id,
            theater_id=theater.id,
            start=start,
            base_price=100_000,
            seatPricing=[{"seatType": "VIP", "price": 150_000}],
        )
        await _set_seats(sessionmaker, created["id"], "A", [1], status=SeatStatus.BOOKED)
        await _set_seats(
            sessionmaker,
            created["id"],
            "A",
            [2],
            status=SeatStatus.LOCKED,
            locked_until=utcnow() + timedelta(minutes=10),
        )
        await _set_seats(
            sessionmaker,
            created["id"],
            "A",
            [4],
            status=SeatStatus.LOCKED,
            locked_until=utcnow() - timedelta(seconds=1),
        )  # a hold that has run out

        response = await client.get(f"/api/showtimes/{created['id']}/available-seats")
        assert response.status_code == 200
        seat_map = response.json()
        seats = {f"{s['row']}{s['number']}": s for s in seat_map["seats"]}
        assert len(seats) == 18 and seat_map["salesOpen"] is True
        assert {k: seats[k]["status"] for k in ("A1", "A2", "A3", "A4", "A5")} == {
            "A1": "Booked",
            "A2": "Locked",
            "A3": "Blocked",
            "A4": "Available",
            "A5": "Available",
        }
        assert (seats["A2"]["column"], seats["A3"]["column"]) == (2, 4)  # the aisle after seat 2
        assert (
            seats["C1"]["pairSeatId"] == seats["C2"]["seatId"]
            and seats["C2"]["pairSeatId"] == seats["C1"]["seatId"]
        )

        policy, now = PricingPolicy(), utcnow()
        for key, kind, own in (
            ("A1", SeatType.STANDARD, None),
            ("B1", SeatType.VIP, 150_000),
            ("C1", SeatType.COUPLE, None),
        ):
            from domain.showtimes.pricing import SeatTypePrice as Own

            expected = quote(
                policy,
                base_price=100_000,
                seat_type=kind,
                starts_at=start,
                now=now,
                own=Own(price=own) if own else Own(multiplier=policy.seat_factor(kind)),
            )
            assert (seats[key]["listPrice"], seats[key]["price"]) == (expected.list_price, expected.price), (
                key
            )
        assert seats["B1"]["listPrice"] == 150_000
        # Six days ahead: the early-bird promotion (or a bigger one) applies.
        assert seat_map["promotion"] is not None and seats["A5"]["price"] < seats["A5"]["listPrice"]
        assert all(s["price"] % 1000 == 0 for s in seat_map["seats"])

        listed = (await client.get(f"/api/showtimes/{created['id']}")).json()
        assert listed["availableSeats"] == 18 - 1 - 1 - 1  # booked, held, broken (the expired hold is free)


    async def test_a_cached_map_follows_a_reprice_and_a_cancel(
        self, client: httpx.AsyncClient, admin: TestUser, catalog: tuple[Any, Any]
    ) -> None:
        """The map is served from Redis; a change to the showtime itself (its showtime.repriced or
        showtime.cancelled event) makes the next reads fresh."""
        movie, theater = catalog
        created = await _created(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(_day(6), 19, 30)
        )
        url = f"/api/showtimes/{created['id']}/available-seats"

        def list_price(seat_map: dict[str, Any]) -> int:
            return next(s["listPrice"] for s in seat_map["seats"] if s["type"] == "Standard")

        first = await client.get(url)  # built by the route
        assert first.status_code == 200 and first.headers["content-type"] == "application/json"
        cached = await client.get(url)  # sent from the cache before routing (api/cached_seat_maps.py)
        assert cached.content == first.content and cached.headers["content-type"] == "application/json"
        assert cached.headers["x-request-id"] and cached.headers["x-request-id"] != first.headers["x-request-id"]
        assert (await client.get(url, headers={"X-Request-ID": "seat-map-1"})).headers["x-request-id"] == "seat-map-1"
        assert (await client.get(url.upper().replace("/API/SHOWTIMES/", "/api/showtimes/").replace(
            "/AVAILABLE-SEATS", "/available-seats"))).content == first.content  # any spelling of the id
        repriced = await client.put(
            f"/api/showtimes/{created['id']}", headers=admin.headers, json={"basePrice": 150_000}
        )
        assert repriced.status_code == 200, repriced.text
        fresh = await eventually(lambda: client.get(url), lambda r: list_price(r.json()) > list_price(first.json()))
        assert list_price(fresh.json()) > list_price(first.json())
        refused = await client.put(
            f"/api/showtimes/{created['id']}", headers=admin.headers, json={"basePrice": "cheap"}
        )
        assert refused.status_code == 422
        assert (await client.delete(f"/api/showtimes/{created['id']}", headers=admin.headers)).status_code == 200
        cancelled = (await eventually(lambda: client.get(url), lambda r: r.json()["status"] == "Cancelled")).json()
        assert cancelled["status"] == "Cancelled" and cancelled["salesOpen"] is False
        assert {s["status"] for s in cancelled["seats"]} == {"Blocked"}

    async def test_a_bad_id_is_422_and_the_docs_keep_the_response_model(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/showtimes/not-a-uuid/available-seats")
        assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR"
        operation = (await client.get("/openapi.json")).json()["paths"]["/api/showtimes/{id}/available-seats"]["get"]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/SeatMapPublic"}


class TestUpdate:
    async def test_reschedule_moves_the_end_and_checks_overlap(
        self, client: httpx.AsyncClient, admin: TestUser, catalog: tuple[Any, Any]
    ) -> None:
        movie, theater = catalog
        first = await _created(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(_day(), 10)
        )
        second = await _created(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(_day(), 14)
        )
        new_start = local_time(_day(), 16)
        moved = await client.put(
            f"/api/showtimes/{first['id']}",
            headers=admin.headers,
            json={"startTime": new_start.isoformat(), "basePrice": 120_000},
        )
        assert moved.status_code == 200, moved.text
        assert datetime.fromisoformat(moved.json()["endTime"]) == new_start + timedelta(minutes=100) + GAP
        assert moved.json()["basePrice"] == 120_000
        clash = await client.put(
            f"/api/showtimes/{first['id']}",
            headers=admin.headers,
            json={"startTime": local_time(_day(), 13).isoformat()},
        )
        assert clash.status_code == 409
        assert clash.json()["error"]["details"]["clashingShowtime"]["id"] == second["id"]
        still = (await client.get(f"/api/showtimes/{first['id']}")).json()
        assert datetime.fromisoformat(still["startTime"]) == new_start

    async def test_moving_with_sales_is_refused_but_repricing_is_not(
        self, client: httpx.AsyncClient, admin: TestUser, catalog: tuple[Any, Any], sessionmaker: SessionMaker
    ) -> None:
        movie, theater = catalog
        created = await _created(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(_day(), 10)
        )
        await _set_seats(sessionmaker, created["id"], "B", [1], status=SeatStatus.BOOKED)
        moved = await client.put(
            f"/api/showtimes/{created['id']}",
            headers=admin.headers,
            json={"startTime": local_time(_day(), 12).isoformat()},
        )
        assert moved.status_code == 409 and moved.json()["error"]["code"] == "SHOWTIME_HAS_SALES"
        repriced = await client.put(
            f"/api/showtimes/{created['id']}",
            headers=admin.headers,
            json={"seatPricing": [{"seatType": "Couple", "multiplier": "3.0"}]},
        )
        assert repriced.status_code == 200
        couple = next(p for p in repriced.json()["prices"] if p["seatType"] == "Couple")
        standard = next(p for p in repriced.json()["prices"] if p["seatType"] == "Standard")
        assert couple["listPrice"] > 2 * standard["listPrice"]

    async def test_started_showtime_cannot_change(
        self, client: httpx.AsyncClient, admin: TestUser, catalog: tuple[Any, Any], sessionmaker: SessionMaker
    ) -> None:
        movie, theater = catalog
        created = await _created(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(_day(), 10)
        )
        async with unit_of_work(sessionmaker) as session:
            await session.exec(
                update(Showtime)
                .where(col(Showtime.id) == uuid.UUID(created["id"]))
                .values(start_time=utcnow() - timedelta(minutes=5), end_time=utcnow() + timedelta(hours=1))
            )
        response = await client.put(
            f"/api/showtimes/{created['id']}", headers=admin.headers, json={"basePrice": 50_000}
        )
        assert response.status_code == 409 and response.json()["error"]["code"] == "SHOWTIME_NOT_EDITABLE"

    @pytest.mark.parametrize("body", [{}, {"startTime": None}, {"basePrice": "cheap"}, {"theaterId": None}])
    async def test_bad_input_is_422_and_changes_nothing(
        self, client: httpx.AsyncClient, admin: TestUser, catalog: tuple[Any, Any], body: dict[str, Any]
    ) -> None:
        movie, theater = catalog
        created = await _created(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(_day(), 10)
        )
        response = await client.put(f"/api/showtimes/{created['id']}", headers=admin.headers, json=body)
        assert response.status_code == 422, response.text
        assert (await client.get(f"/api/showtimes/{created['id']}")).json() == created


class TestCancel:
    async def test_unsold_showtime_is_an_admin_cancel(
        self,
        client: httpx.AsyncClient,
        admin: TestUser,
        make_user: Any,
        catalog: tuple[Any, Any],
        sessionmaker: SessionMaker,
    ) -> None:
        movie, theater = catalog
        created = await _created(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(_day(), 10)
        )
        manager = await make_user(Role.MANAGER)
        refused = await client.delete(f"/api/showtimes/{created['id']}", headers=manager.headers)
        assert refused.status_code == 403
        response = await client.delete(f"/api/showtimes/{created['id']}", headers=admin.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["showtime"]["status"] == "Cancelled" and (body["bookedSeats"], body["heldSeats"]) == (
            0,
            0,
        )
        seats = (await client.get(f"/api/showtimes/{created['id']}/available-seats")).json()
        assert {s["status"] for s in seats["seats"]} == {"Blocked"} and seats["salesOpen"] is False
        again = await client.delete(f"/api/showtimes/{created['id']}", headers=admin.headers)
        assert again.status_code == 409

    async def test_with_sales_a_manager_cancels_with_a_reason(
        self,
        client: httpx.AsyncClient,
        admin: TestUser,
        make_user: Any,
        catalog: tuple[Any, Any],
        sessionmaker: SessionMaker,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        movie, theater = catalog
        created = await _created(
            client, admin, movie_id=movie.id, theater_id=theater.id, start=local_time(_day(), 10)
        )
        booking = uuid.uuid4()
        await _set_seats(
            sessionmaker, created["id"], "B", [1, 2], status=SeatStatus.BOOKED, booking_id=booking
        )
        await _set_seats(
            sessionmaker,
            created["id"],
            "A",
            [1],
            status=SeatStatus.LOCKED,
            locked_until=utcnow() + timedelta(minutes=10),
            locked_by=uuid.uuid4(),
        )
        manager = await make_user(Role.MANAGER)
        url = f"/api/showtimes/{created['id']}"
        no_reason = await client.delete(url, headers=manager.headers)
        assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "CANCEL_REASON_REQUIRED"
        assert (await client.get(url)).json()["status"] == "Scheduled"  # the refusal changed nothing
        for role in (Role.CUSTOMER, Role.STAFF):
            assert (
                await client.delete(
                    url, headers=(await make_user(role)).headers, params={"reason": "máy chiếu hỏng"}
                )
            ).status_code == 403

        with caplog.at_level(logging.WARNING, logger="cinema.showtimes"):
            response = await client.delete(url, headers=manager.headers, params={"reason": "Máy chiếu hỏng"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["bookedSeats"], body["heldSeats"]) == (2, 1)
        assert body["showtime"]["cancelReason"] == "Máy chiếu hỏng"
        assert any("refunding them in full" in r.getMessage() for r in caplog.records)
        statuses = {
            f"{s['row']}{s['number']}": s["status"]
            for s in (await client.get(f"{url}/available-seats")).json()["seats"]
        }
        # Booked until the refunds' cancellations free them (these bookings are made up, so they stay).
        assert statuses["B1"] == statuses["B2"] == "Booked"
        assert statuses["A1"] == "Blocked" and list(statuses.values()).count("Booked") == 2
        async with unit_of_work(sessionmaker) as session:
            row = await session.get(Showtime, uuid.UUID(created["id"]))
            assert (
                row is not None and row.status is ShowtimeStatus.CANCELLED and row.cancelled_by == manager.id
            )
