"""The movies service over real HTTP: search, filters, admin CRUD, reviews, posters, genres."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import text

from domain.shared.roles import Role
from domain.shared.time import LOCAL_TZ
from infra.db import SessionMaker

TODAY = datetime.now(LOCAL_TZ).date()


def _marker() -> str:
    return uuid.uuid4().hex[:10]


def _day(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def _body(title: str, **fields: Any) -> dict[str, Any]:
    return {"title": title, "duration": 120, "releaseDate": _day(-10), "endDate": _day(30), "language": "vi",
            "country": "VN", "ageRating": "T13", **fields}


async def _genre(client: httpx.AsyncClient, admin: Any, name: str | None = None) -> dict[str, Any]:
    marker = _marker()
    response = await client.post("/api/genres", headers=admin.headers,
                                 json={"name": name or f"Genre {marker}", "slug": f"g-{marker}"})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _create(client: httpx.AsyncClient, admin: Any, title: str, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/movies", headers=admin.headers, json=_body(title, **fields))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _get(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def _titles(client: httpx.AsyncClient, **params: Any) -> list[str]:
    return [m["title"] for m in (await _get(client, "/api/movies", pageSize=100, **params))["items"]]


async def _review(client: httpx.AsyncClient, user: Any, movie_id: str, rating: int,
                  comment: str = "") -> httpx.Response:
    return await client.post(f"/api/movies/{movie_id}/reviews", headers=user.headers,
                             json={"rating": rating, "comment": comment})


CATALOG = [
    ("Lật Mặt 7: Một Điều Ước", {"originalTitle": "Face Off 7: One Wish", "director": "Lý Hải"}),
    ("Đào, Phở và Piano", {"director": "Phi Tiến Sơn"}),
    ("Mai", {"director": "Trấn Thành", "ageRating": "T18"}),
    ("Avengers: Endgame", {"originalTitle": "Avengers: Endgame", "director": "Anthony Russo",
                           "language": "en", "country": "US"}),
    ("Nhà Bà Nữ", {"director": "Trấn Thành", "ageRating": "T16"}),
]


class TestSearch:
    @pytest.fixture
    async def genre(self, client: httpx.AsyncClient, make_user: Any) -> str:
        """A catalog of its own, kept apart from other tests' movies by a fresh genre."""
        admin = await make_user(Role.ADMIN)
        genre = await _genre(client, admin)
        for title, fields in CATALOG:
            await _create(client, admin, title, genreIds=[genre["id"]], **fields)
        return genre["slug"]  # type: ignore[no-any-return]

    @pytest.mark.parametrize(("q", "first"), [
        ("lat mat", "Lật Mặt 7: Một Điều Ước"),
        ("LẬT MẶT", "Lật Mặt 7: Một Điều Ước"),
        ("dao pho", "Đào, Phở và Piano"),
        ("Đào phở", "Đào, Phở và Piano"),
        ("avenger", "Avengers: Endgame"),
        ("avangers", "Avengers: Endgame"),
        ("endgme", "Avengers: Endgame"),
        ("face off", "Lật Mặt 7: Một Điều Ước"),
        ("piano", "Đào, Phở và Piano"),
        ("mai", "Mai"),
    ])
    async def test_finds_the_title_first(self, client: httpx.AsyncClient, genre: str, q: str,
                                         first: str) -> None:
        titles = await _titles(client, q=q, genre=genre)
        assert titles and titles[0] == first, titles

    async def test_short_word_does_not_drag_in_lookalikes(self, client: httpx.AsyncClient,
                                                          genre: str) -> None:
        assert await _titles(client, q="mai", genre=genre) == ["Mai"]

    async def test_director_is_searched_too(self, client: httpx.AsyncClient, genre: str) -> None:
        assert sorted(await _titles(client, q="tran thanh", genre=genre)) == ["Mai", "Nhà Bà Nữ"]

    async def test_nothing_like_it_finds_nothing(self, client: httpx.AsyncClient, genre: str) -> None:
        page = await _get(client, "/api/movies", q="qwxz zzyq", genre=genre)
        assert page["items"] == [] and page["total"] == 0

    async def test_like_wildcards_are_literal(self, client: httpx.AsyncClient, genre: str) -> None:
        assert await _titles(client, q="%", genre=genre) == []

    async def test_explicit_sort_overrides_relevance(self, client: httpx.AsyncClient, genre: str) -> None:
        assert await _titles(client, q="tran thanh", genre=genre, sort="-title") == ["Nhà Bà Nữ", "Mai"]

    async def test_the_trigram_index_serves_the_search(self, sessionmaker: SessionMaker) -> None:
        async with sessionmaker() as session:
            await session.exec(text("SET LOCAL enable_seqscan = off"))  # type: ignore[call-overload]
            plan = "\n".join((await session.exec(text(  # type: ignore[call-overload]
                "EXPLAIN SELECT id FROM movies.movie WHERE lower(movies.f_unaccent(:q)) <<% "
                "movies.search_text(title, original_title, director)"), params={"q": "lat mat"})).scalars())
        assert "ix_movies_movie_search" in plan, plan


class TestFiltersSortPages:
    @pytest.fixture
    async def catalog(self, client: httpx.AsyncClient, make_user: Any) -> tuple[str, Any]:
        admin = await make_user(Role.ADMIN)
        genre = (await _genre(client, admin))["id"]
        await _create(client, admin, "Bravo", genreIds=[genre], releaseDate=_day(-20), language="en")
        await _create(client, admin, "Alpha", genreIds=[genre], releaseDate=_day(-5))
        await _create(client, admin, "Charlie", genreIds=[genre], releaseDate=_day(7), endDate=_day(40))
        await _create(client, admin, "Delta", genreIds=[genre], releaseDate=_day(-60), endDate=_day(-1))
        slug = (await _get(client, "/api/genres", pageSize=100))["items"]
        return next(g["slug"] for g in slug if g["id"] == genre), admin

    async def test_status_follows_the_dates(self, client: httpx.AsyncClient,
                                            catalog: tuple[str, Any]) -> None:
        genre, _ = catalog
        assert await _titles(client, genre=genre, status="Showing", sort="title") == ["Alpha", "Bravo"]
        assert await _titles(client, genre=genre, status="Coming") == ["Charlie"]
        assert await _titles(client, genre=genre, status="Ended") == ["Delta"]

    async def test_language(self, client: httpx.AsyncClient, catalog: tuple[str, Any]) -> None:
        assert await _titles(client, genre=catalog[0], language="EN") == ["Bravo"]

    @pytest.mark.parametrize(("sort", "expected"), [
        (None, ["Charlie", "Alpha", "Bravo", "Delta"]),
        ("releaseDate", ["Delta", "Bravo", "Alpha", "Charlie"]),
        ("title", ["Alpha", "Bravo", "Charlie", "Delta"]),
        ("-title", ["Delta", "Charlie", "Bravo", "Alpha"]),
    ])
    async def test_sort(self, client: httpx.AsyncClient, catalog: tuple[str, Any], sort: str | None,
                        expected: list[str]) -> None:
        params = {"sort": sort} if sort else {}
        assert await _titles(client, genre=catalog[0], **params) == expected

    async def test_sort_by_rating(self, client: httpx.AsyncClient, catalog: tuple[str, Any],
                                  make_user: Any) -> None:
        genre, _ = catalog
        ids = {m["title"]: m["id"] for m in (await _get(client, "/api/movies", genre=genre))["items"]}
        user = await make_user()
        assert (await _review(client, user, ids["Bravo"], 5)).status_code == 201
        assert (await _review(client, user, ids["Alpha"], 2)).status_code == 201
        assert (await _titles(client, genre=genre, sort="-rating"))[:2] == ["Bravo", "Alpha"]
        assert (await _titles(client, genre=genre, sort="rating"))[-2:] == ["Alpha", "Bravo"]

    async def test_pages(self, client: httpx.AsyncClient, catalog: tuple[str, Any]) -> None:
        genre = catalog[0]
        first = await _get(client, "/api/movies", genre=genre, sort="title", pageSize=3)
        second = await _get(client, "/api/movies", genre=genre, sort="title", pageSize=3, page=2)
        assert [m["title"] for m in first["items"]] == ["Alpha", "Bravo", "Charlie"]
        assert [m["title"] for m in second["items"]] == ["Delta"]
        assert (first["total"], first["page"], first["pageSize"], second["page"]) == (4, 1, 3, 2)

    async def test_unknown_genre_finds_nothing(self, client: httpx.AsyncClient) -> None:
        assert (await _get(client, "/api/movies", genre=f"none-{_marker()}"))["total"] == 0

    @pytest.mark.parametrize("params", [{"status": "Soon"}, {"sort": "popularity"}, {"pageSize": 101},
                                        {"page": 0}, {"language": "english"}, {"genre": "Bad Slug"},
                                        {"q": "x" * 101}])
    async def test_bad_query_is_422(self, client: httpx.AsyncClient, params: dict[str, Any]) -> None:
        response = await client.get("/api/movies", params=params)
        assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR"


class TestShowcases:
    async def test_now_showing_and_coming_soon(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin, marker = await make_user(Role.ADMIN), _marker()
        showing = await _create(client, admin, f"Showing {marker}")
        soon = await _create(client, admin, f"Soon {marker}", releaseDate=_day(3))
        later = await _create(client, admin, f"Later {marker}", releaseDate=_day(60), endDate=_day(90))
        now_ids = await _all_ids(client, "/api/movies/now-showing")
        coming_ids = await _all_ids(client, "/api/movies/coming-soon")
        assert showing["id"] in now_ids and soon["id"] not in now_ids
        assert showing["id"] not in coming_ids
        assert coming_ids.index(soon["id"]) < coming_ids.index(later["id"])

    async def test_trending_weighs_many_reviews_above_one(self, client: httpx.AsyncClient,
                                                          make_user: Any) -> None:
        admin, marker = await make_user(Role.ADMIN), _marker()
        crowd = await _create(client, admin, f"Crowd favourite {marker}")
        lucky = await _create(client, admin, f"One lucky review {marker}")
        coming = await _create(client, admin, f"Not out yet {marker}", releaseDate=_day(5))
        for _ in range(6):
            stars = 5 if _ % 2 else 4
            assert (await _review(client, await make_user(), crowd["id"], stars)).status_code == 201
        assert (await _review(client, await make_user(), lucky["id"], 5)).status_code == 201
        ranked = await _all_ids(client, "/api/movies/trending")
        assert ranked.index(crowd["id"]) < ranked.index(lucky["id"]) and coming["id"] not in ranked


async def _all_ids(client: httpx.AsyncClient, path: str) -> list[str]:
    ids, page = [], 1
    while True:
        body = await _get(client, path, page=page, pageSize=100)
        ids += [m["id"] for m in body["items"]]
        if len(ids) >= body["total"] or not body["items"]:
            return ids
        page += 1


class TestAdminCrud:
    async def test_create_and_read(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin = await make_user(Role.ADMIN)
        genre = await _genre(client, admin)
        movie = await _create(client, admin, "  Đào, Phở và Piano ", genreIds=[genre["id"]],
                              cast=["Doãn Quốc Đam", "Cao Thùy Linh"], trailerUrl="https://youtu.be/abc")
        assert movie["title"] == "Đào, Phở và Piano" and movie["status"] == "Showing"
        assert movie["genres"] == [genre] and movie["rating"] == 0 and movie["reviewCount"] == 0
        assert movie["trailerUrl"] == "https://youtu.be/abc"
        assert await _get(client, f"/api/movies/{movie['id']}") == movie

    async def test_status_may_be_set_on_create(self, client: httpx.AsyncClient, make_user: Any) -> None:
        movie = await _create(client, await make_user(Role.ADMIN), "Preview", status="Coming")
        assert movie["status"] == "Coming"

    async def test_update_changes_only_what_is_sent(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin = await make_user(Role.ADMIN)
        first, second = await _genre(client, admin), await _genre(client, admin)
        movie = await _create(client, admin, "Before", genreIds=[first["id"]], director="A")
        response = await client.put(f"/api/movies/{movie['id']}", headers=admin.headers,
                                    json={"title": "After", "genreIds": [second["id"]], "endDate": None})
        assert response.status_code == 200, response.text
        after = response.json()
        assert (after["title"], after["director"], after["endDate"]) == ("After", "A", None)
        assert after["genres"] == [second] and after["updatedAt"] >= movie["updatedAt"]
        assert await _get(client, f"/api/movies/{movie['id']}") == after

    @pytest.mark.parametrize(("body", "field"), [
        ({"endDate": "2000-01-01"}, "endDate"),
        ({"releaseDate": _day(400)}, "endDate"),
        ({"title": None}, "title"),
        ({"duration": -5}, "duration"),
        ({"ageRating": "NC17"}, "ageRating"),
        ({"genreIds": [str(uuid.uuid4())]}, "genreIds"),
        ({"rating": 5}, "rating"),
        ({"title": "New", "posterUrl": "not a url"}, "posterUrl"),
    ])
    async def test_bad_update_is_422_and_changes_nothing(self, client: httpx.AsyncClient, make_user: Any,
                                                         body: dict[str, Any], field: str) -> None:
        admin = await make_user(Role.ADMIN)
        movie = await _create(client, admin, "Unchanged")
        response = await client.put(f"/api/movies/{movie['id']}", headers=admin.headers, json=body)
        assert response.status_code == 422, response.text
        assert field in {d["field"] for d in response.json()["error"]["details"]}
        assert await _get(client, f"/api/movies/{movie['id']}") == movie

    @pytest.mark.parametrize(("body", "field"), [
        ({"genreIds": [str(uuid.uuid4())]}, "genreIds"),
        ({"endDate": _day(-20)}, "endDate"),
        ({"title": ""}, "title"),
        ({"language": None}, "language"),
    ])
    async def test_bad_create_is_422_and_creates_nothing(self, client: httpx.AsyncClient, make_user: Any,
                                                         body: dict[str, Any], field: str) -> None:
        admin, marker = await make_user(Role.ADMIN), _marker()
        response = await client.post("/api/movies", headers=admin.headers,
                                     json={**_body(f"Nope {marker}"), **body})
        assert response.status_code == 422, response.text
        assert field in {d["field"] for d in response.json()["error"]["details"]}
        assert await _titles(client, q=f"Nope {marker}") == []

    async def test_unknown_movie_is_404(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin, missing = await make_user(Role.ADMIN), uuid.uuid4()
        assert (await client.get(f"/api/movies/{missing}")).status_code == 404
        response = await client.put(f"/api/movies/{missing}", headers=admin.headers, json={"title": "X"})
        assert response.status_code == 404 and response.json()["error"]["code"] == "MOVIE_NOT_FOUND"
        assert (await client.get("/api/movies/not-a-uuid")).status_code == 422


class TestSoftDelete:
    async def test_deleted_movie_is_gone_from_the_api_but_kept(self, client: httpx.AsyncClient,
                                                               make_user: Any,
                                                                sessionmaker: SessionMaker) -> None:
        admin, marker = await make_user(Role.ADMIN), _marker()
        movie = await _create(client, admin, f"Doomed {marker}")
        response = await client.delete(f"/api/movies/{movie['id']}", headers=admin.headers)
        assert response.status_code == 204, response.text
        assert (await client.get(f"/api/movies/{movie['id']}")).status_code == 404
        assert await _titles(client, q=f"Doomed {marker}") == []
        assert movie["id"] not in await _all_ids(client, "/api/movies/now-showing")
        assert (await client.delete(f"/api/movies/{movie['id']}", headers=admin.headers)).status_code == 404
        user = await make_user()
        assert (await _review(client, user, movie["id"], 4)).status_code == 404
        async with sessionmaker() as session:
            query = text("SELECT deleted_at FROM movies.movie WHERE id = :id")
            row = (await session.exec(query,  # type: ignore[call-overload]
                                      params={"id": movie["id"]})).one()
        assert row.deleted_at is not None

    async def test_movie_with_future_showtimes_cannot_be_deleted(self, client: httpx.AsyncClient,
                                                                 make_user: Any) -> None:
        admin = await make_user(Role.ADMIN)
        movie = await _create(client, admin, f"Scheduled {_marker()}")
        theater = await _theater(client, admin)
        start = (datetime.now(LOCAL_TZ) + timedelta(days=2)).replace(hour=19, minute=0, second=0,
                                                                     microsecond=0)
        response = await client.post("/api/showtimes", headers=admin.headers, json={
            "movieId": movie["id"], "theaterId": theater, "startTime": start.isoformat(), "basePrice": 90000})
        assert response.status_code == 201, response.text
        response = await client.delete(f"/api/movies/{movie['id']}", headers=admin.headers)
        assert response.status_code == 409 and response.json()["error"]["code"] == "MOVIE_HAS_SHOWTIMES"
        assert response.json()["error"]["details"] == {"futureShowtimes": 1}
        assert (await client.get(f"/api/movies/{movie['id']}")).status_code == 200


async def _theater(client: httpx.AsyncClient, admin: Any) -> str:
    marker = _marker()
    cinema = await client.post("/api/cinemas", headers=admin.headers, json={
        "name": f"Test Cinema {marker}", "address": "1 Lê Lợi", "city": "Hồ Chí Minh", "district": "Quận 1",
        "latitude": 9.18, "longitude": 105.15})
    assert cinema.status_code == 201, cinema.text
    theater = await client.post(f"/api/cinemas/{cinema.json()['id']}/theaters", headers=admin.headers,
                                json={"name": "Rạp 1", "layout": {"rows": 4, "seatsPerRow": 6}})
    assert theater.status_code == 201, theater.text
    return theater.json()["id"]  # type: ignore[no-any-return]


class TestReviews:
    async def test_one_review_per_user_and_the_average_follows(self, client: httpx.AsyncClient,
                                                               make_user: Any) -> None:
        movie = await _create(client, await make_user(Role.ADMIN), "Reviewed")
        first, second, third = await make_user(), await make_user(), await make_user()
        response = await _review(client, first, movie["id"], 5, "  Hay quá!  ")
        assert response.status_code == 201, response.text
        assert response.json()["comment"] == "Hay quá!" and response.json()["userName"] == "Test C."
        again = await _review(client, first, movie["id"], 1)
        assert again.status_code == 409 and again.json()["error"]["code"] == "REVIEW_EXISTS"
        assert (await _review(client, second, movie["id"], 4)).status_code == 201
        assert (await _review(client, third, movie["id"], 2)).status_code == 201
        after = await _get(client, f"/api/movies/{movie['id']}")
        assert (after["rating"], after["reviewCount"]) == (3.67, 3)

    async def test_concurrent_reviews_all_count(self, client: httpx.AsyncClient, make_user: Any) -> None:
        movie = await _create(client, await make_user(Role.ADMIN), "Busy")
        users = [await make_user() for _ in range(8)]
        stars = [5, 4, 1, 3, 5, 2, 4, 4]
        responses = await asyncio.gather(*(_review(client, u, movie["id"], s)
                                           for u, s in zip(users, stars, strict=True)))
        assert [r.status_code for r in responses] == [201] * 8
        after = await _get(client, f"/api/movies/{movie['id']}")
        assert (after["reviewCount"], after["rating"]) == (8, 3.5)

    async def test_same_user_twice_at_once_gets_one(self, client: httpx.AsyncClient, make_user: Any) -> None:
        movie, user = await _create(client, await make_user(Role.ADMIN), "Double tap"), await make_user()
        responses = await asyncio.gather(*(_review(client, user, movie["id"], 5) for _ in range(4)))
        assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
        assert (await _get(client, f"/api/movies/{movie['id']}"))["reviewCount"] == 1

    async def test_list_is_public_newest_first_and_paged(self, client: httpx.AsyncClient,
                                                         make_user: Any) -> None:
        movie = await _create(client, await make_user(Role.ADMIN), "Listed")
        for stars in (3, 4, 5):
            assert (await _review(client, await make_user(), movie["id"], stars)).status_code == 201
        page = await _get(client, f"/api/movies/{movie['id']}/reviews", pageSize=2)
        assert [r["rating"] for r in page["items"]] == [5, 4] and page["total"] == 3
        rest = await _get(client, f"/api/movies/{movie['id']}/reviews", pageSize=2, page=2)
        assert [r["rating"] for r in rest["items"]] == [3]
        assert "userId" not in page["items"][0]

    async def test_coming_movie_cannot_be_reviewed_yet(self, client: httpx.AsyncClient,
                                                       make_user: Any) -> None:
        movie = await _create(client, await make_user(Role.ADMIN), "Soon", releaseDate=_day(10))
        response = await _review(client, await make_user(), movie["id"], 5)
        assert response.status_code == 409 and response.json()["error"]["code"] == "MOVIE_NOT_RELEASED"

    @pytest.mark.parametrize("body", [{"rating": 0}, {"rating": 6}, {"rating": 4.5}, {},
                                      {"rating": 5, "comment": "x" * 2001}, {"rating": 5, "userId": "x"}])
    async def test_bad_review_is_422_and_changes_nothing(self, client: httpx.AsyncClient, make_user: Any,
                                                         body: dict[str, Any]) -> None:
        movie = await _create(client, await make_user(Role.ADMIN), "Strict")
        response = await client.post(f"/api/movies/{movie['id']}/reviews",
                                     headers=(await make_user()).headers,
                                     json=body)
        assert response.status_code == 422, response.text
        assert (await _get(client, f"/api/movies/{movie['id']}/reviews"))["total"] == 0
        assert (await _get(client, f"/api/movies/{movie['id']}"))["reviewCount"] == 0

    async def test_anonymous_cannot_review(self, client: httpx.AsyncClient, make_user: Any) -> None:
        movie = await _create(client, await make_user(Role.ADMIN), "Guarded")
        response = await client.post(f"/api/movies/{movie['id']}/reviews", json={"rating": 5})
        assert response.status_code == 401

    async def test_unknown_movie(self, client: httpx.AsyncClient, make_user: Any) -> None:
        assert (await _review(client, await make_user(), str(uuid.uuid4()), 5)).status_code == 404
        assert (await client.get(f"/api/movies/{uuid.uuid4()}/reviews")).status_code == 404


def _png(size: tuple[int, int] = (400, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 40, 160)).save(out, format="PNG")
    return out.getvalue()


class TestPoster:
    async def test_upload_is_stored_served_and_set(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin = await make_user(Role.ADMIN)
        movie = await _create(client, admin, "With poster")
        response = await client.post(f"/api/movies/{movie['id']}/poster", headers=admin.headers,
                                     files={"file": ("poster.png", _png(), "image/png")})
        assert response.status_code == 200, response.text
        url = response.json()["posterUrl"]
        assert f"/media/posters/{movie['id']}/" in url and url.endswith(".png")
        assert (await _get(client, f"/api/movies/{movie['id']}"))["posterUrl"] == url
        served = await client.get(url)
        assert served.status_code == 200 and served.headers["content-type"] == "image/png"

    async def test_non_image_is_415_and_changes_nothing(self, client: httpx.AsyncClient,
                                                        make_user: Any) -> None:
        admin = await make_user(Role.ADMIN)
        movie = await _create(client, admin, "Still no poster")
        response = await client.post(f"/api/movies/{movie['id']}/poster", headers=admin.headers,
                                     files={"file": ("x.svg", b"<svg/>", "image/svg+xml")})
        assert response.status_code == 415
        assert (await _get(client, f"/api/movies/{movie['id']}"))["posterUrl"] is None

    async def test_customer_cannot_upload(self, client: httpx.AsyncClient, make_user: Any) -> None:
        movie = await _create(client, await make_user(Role.ADMIN), "Admin only poster")
        response = await client.post(f"/api/movies/{movie['id']}/poster", headers=(await make_user()).headers,
                                     files={"file": ("poster.png", _png(), "image/png")})
        assert response.status_code == 403


class TestGenres:
    async def test_list_is_public_and_paged(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin = await make_user(Role.ADMIN)
        await _genre(client, admin)
        await _genre(client, admin)
        page = await _get(client, "/api/genres", pageSize=1)
        assert len(page["items"]) == 1 and page["total"] >= 2
        assert set(page["items"][0]) == {"id", "name", "slug"}

    async def test_name_and_slug_are_unique(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin = await make_user(Role.ADMIN)
        genre = await _genre(client, admin)
        for body in ({"name": genre["name"].upper()}, {"name": f"Other {_marker()}", "slug": genre["slug"]}):
            response = await client.post("/api/genres", headers=admin.headers, json=body)
            assert response.status_code == 409 and response.json()["error"]["code"] == "GENRE_EXISTS"

    async def test_slug_is_made_from_a_vietnamese_name(self, client: httpx.AsyncClient,
                                                       make_user: Any) -> None:
        marker = _marker()
        response = await client.post("/api/genres", headers=(await make_user(Role.ADMIN)).headers,
                                     json={"name": f"Tâm lý {marker}"})
        assert response.status_code == 201 and response.json()["slug"] == f"tam-ly-{marker}"


ADMIN_CALLS = [
    ("POST", "/api/movies", _body("Nope")),
    ("PUT", "/api/movies/{id}", {"title": "Nope"}),
    ("DELETE", "/api/movies/{id}", None),
    ("POST", "/api/genres", {"name": "Nope"}),
]


class TestAdminOnly:
    @pytest.mark.parametrize(("role", "status"), [(Role.CUSTOMER, 403), (Role.STAFF, 403),
                                                  (Role.MANAGER, 403), (None, 401)])
    @pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
    async def test_refused_and_nothing_changes(self, client: httpx.AsyncClient, make_user: Any,
                                               role: Role | None, status: int, method: str, path: str,
                                               body: dict[str, Any] | None) -> None:
        movie = await _create(client, await make_user(Role.ADMIN), "Protected")
        headers = (await make_user(role)).headers if role else {}
        response = await client.request(method, path.format(id=movie["id"]), headers=headers, json=body)
        assert response.status_code == status, response.text
        assert await _get(client, f"/api/movies/{movie['id']}") == movie
