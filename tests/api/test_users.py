"""The signed-in user's own profile, avatar, points, preferences and history, over real HTTP."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from PIL import Image

from domain.shared.roles import Role
from domain.users.models import MembershipTier, UserProfile
from infra.db import SessionMaker, unit_of_work
from infra.settings import Settings
from tests.eventually import eventually

if TYPE_CHECKING:
    from tests.conftest import TestUser


def _image(fmt: str, size: tuple[int, int] = (64, 48), **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(out, format=fmt, **save)
    return out.getvalue()


async def _me(client: httpx.AsyncClient, user: TestUser) -> dict[str, Any]:
    response = await client.get("/api/users/me", headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def _upload(client: httpx.AsyncClient, user: TestUser, data: bytes, name: str = "me.png",
                  content_type: str = "image/png") -> httpx.Response:
    return await client.post("/api/users/avatar", headers=user.headers,
                             files={"file": (name, data, content_type)})


class TestProfile:
    async def test_read_me(self, client: httpx.AsyncClient, make_user: Any) -> None:
        user = await make_user()
        me = await _me(client, user)
        assert me["id"] == str(user.id) and me["email"] == user.email
        assert (me["firstName"], me["lastName"]) == ("Test", "Customer")
        assert (me["loyaltyPoints"], me["membershipTier"]) == (0, "Bronze")
        assert (me["avatar"], me["phone"]) == (None, None)

    async def test_update_persists_and_is_returned(self, client: httpx.AsyncClient, make_user: Any) -> None:
        user = await make_user()
        body = {"firstName": "  Lan ", "lastName": "Nguyễn Thị", "phone": "091 234 5678",
                "dateOfBirth": "1995-04-30", "gender": "Female"}
        response = await client.put("/api/users/me", headers=user.headers, json=body)
        assert response.status_code == 200, response.text
        expected = {"firstName": "Lan", "lastName": "Nguyễn Thị", "phone": "+84912345678",
                    "dateOfBirth": "1995-04-30", "gender": "Female"}
        assert {k: response.json()[k] for k in expected} == expected
        assert {k: (await _me(client, user))[k] for k in expected} == expected

    async def test_fields_left_out_stay_and_null_clears(self, client: httpx.AsyncClient,
                                                        make_user: Any) -> None:
        user = await make_user()
        first = {"phone": "+84 38 123 4567", "gender": "Male"}
        assert (await client.put("/api/users/me", headers=user.headers, json=first)).status_code == 200
        second = {"firstName": "Minh", "gender": None}
        assert (await client.put("/api/users/me", headers=user.headers, json=second)).status_code == 200
        me = await _me(client, user)
        assert (me["firstName"], me["lastName"]) == ("Minh", "Customer")
        assert (me["phone"], me["gender"]) == ("+84381234567", None)

    @pytest.mark.parametrize(("body", "field"), [
        ({"phone": "12345"}, "phone"),
        ({"phone": "+1 415 555 0100"}, "phone"),
        ({"phone": "0112345678"}, "phone"),
        ({"dateOfBirth": (date.today() + timedelta(days=2)).isoformat()}, "dateOfBirth"),
        ({"dateOfBirth": "1899-12-31"}, "dateOfBirth"),
        ({"firstName": ""}, "firstName"),
        ({"firstName": "   "}, "firstName"),
        ({"lastName": "x" * 101}, "lastName"),
        ({"lastName": None}, "lastName"),
        ({"gender": "Robot"}, "gender"),
        ({"email": "someone-else@example.com"}, "email"),
        ({"loyaltyPoints": 100000}, "loyaltyPoints"),
        ({"membershipTier": "Platinum"}, "membershipTier"),
        ({"firstName": "Ok", "phone": "not a phone"}, "phone"),
    ])
    async def test_invalid_input_is_422_and_changes_nothing(self, client: httpx.AsyncClient, make_user: Any,
                                                            body: dict[str, Any], field: str) -> None:
        user = await make_user()
        before = await _me(client, user)
        response = await client.put("/api/users/me", headers=user.headers, json=body)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "VALIDATION_ERROR"
        assert field in {d["field"] for d in error["details"]}
        assert await _me(client, user) == before


class TestAvatar:
    async def test_png_is_stored_and_served_back(self, client: httpx.AsyncClient, make_user: Any,
                                                 settings: Settings) -> None:
        user = await make_user()
        response = await _upload(client, user, _image("PNG"))
        assert response.status_code == 200, response.text
        url = response.json()["avatar"]
        assert url.startswith(f"{settings.resolved_public_base_url}/media/avatars/{user.id}/")
        assert url.endswith(".png")
        assert (await _me(client, user))["avatar"] == url
        served = await client.get(url)
        assert served.status_code == 200 and served.headers["content-type"] == "image/png"
        with Image.open(io.BytesIO(served.content)) as image:
            assert (image.format, image.size) == ("PNG", (64, 48))

    @pytest.mark.usefixtures("worker")  # the event consumers delete the old file
    async def test_a_new_avatar_deletes_the_old_file(self, client: httpx.AsyncClient, make_user: Any) -> None:
        user = await make_user()
        first = (await _upload(client, user, _image("PNG"))).json()["avatar"]
        assert (await client.get(first)).status_code == 200
        second = (await _upload(client, user, _image("PNG"))).json()["avatar"]
        assert second != first and (await _me(client, user))["avatar"] == second
        gone = await eventually(lambda: client.get(first), lambda r: r.status_code == 404)
        assert gone.status_code == 404  # the old file is deleted once the new one is committed
        assert (await client.get(second)).status_code == 200

    async def test_jpeg_loses_its_metadata_and_is_scaled_down(self, client: httpx.AsyncClient,
                                                             make_user: Any) -> None:
        user = await make_user()
        exif = Image.Exif()
        exif[0x013B] = "Secret Photographer"  # Artist
        exif[0x8825] = {2: (10.0, 45.0, 0.0)}  # GPS latitude
        data = _image("JPEG", size=(3000, 1500), exif=exif.tobytes())
        response = await _upload(client, user, data, "photo.jpg", "image/jpeg")
        assert response.status_code == 200, response.text
        served = await client.get(response.json()["avatar"])
        assert served.headers["content-type"] == "image/jpeg"
        with Image.open(io.BytesIO(served.content)) as image:
            assert image.size == (1024, 512)
            assert not image.getexif() and "exif" not in image.info
        assert b"Secret Photographer" not in served.content

    @pytest.mark.parametrize(("data", "name", "content_type"), [
        (b"hello, I am text pretending to be a picture", "me.png", "image/png"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "broken.png", "image/png"),
        (_image("GIF"), "anim.gif", "image/gif"),
        (_image("BMP"), "me.bmp", "image/bmp"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.svg",
         "image/svg+xml"),
    ])
    async def test_non_images_are_refused(self, client: httpx.AsyncClient, make_user: Any, data: bytes,
                                          name: str, content_type: str) -> None:
        user = await make_user()
        response = await _upload(client, user, data, name, content_type)
        assert response.status_code == 415, response.text
        assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
        assert (await _me(client, user))["avatar"] is None

    @pytest.mark.parametrize("extra", [1, 200_000])
    async def test_too_big_is_413(self, client: httpx.AsyncClient, make_user: Any, settings: Settings,
                                  extra: int) -> None:
        user = await make_user()
        png = _image("PNG")
        response = await _upload(client, user, png + b"\x00" * (settings.avatar_max_bytes + extra - len(png)))
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
        assert (await _me(client, user))["avatar"] is None

    async def test_too_big_without_content_length_is_413(self, client: httpx.AsyncClient, make_user: Any,
                                                         settings: Settings) -> None:
        user = await make_user()
        boundary = uuid.uuid4().hex
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n"
                "Content-Type: image/png\r\n\r\n").encode()

        async def chunked() -> Any:  # no Content-Length: the server must count what it reads
            yield head
            for _ in range(settings.avatar_max_bytes // 65536 + 4):
                yield b"\x00" * 65536
            yield f"\r\n--{boundary}--\r\n".encode()

        response = await client.post("/api/users/avatar", content=chunked(), headers={
            **user.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert response.status_code == 413 and response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"

    async def test_missing_file_is_422(self, client: httpx.AsyncClient, make_user: Any) -> None:
        user = await make_user()
        response = await client.post("/api/users/avatar", headers=user.headers, data={"other": "x"})
        assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "file"


class TestLoyalty:
    async def test_points_and_tier(self, client: httpx.AsyncClient, make_user: Any,
                                   sessionmaker: SessionMaker) -> None:
        user = await make_user()
        response = await client.get("/api/users/loyalty-points", headers=user.headers)
        assert response.status_code == 200 and response.json() == {"points": 0, "membershipTier": "Bronze"}
        async with unit_of_work(sessionmaker) as session:  # as the promotions context will, once it exists
            profile = await session.get(UserProfile, user.id)
            assert profile is not None
            profile.loyalty_points, profile.membership_tier = 1250, MembershipTier.SILVER
            session.add(profile)
        response = await client.get("/api/users/loyalty-points", headers=user.headers)
        assert response.json() == {"points": 1250, "membershipTier": "Silver"}


class TestPreferences:
    async def test_defaults(self, client: httpx.AsyncClient, make_user: Any) -> None:
        user = await make_user()
        response = await client.get("/api/users/preferences", headers=user.headers)
        assert response.status_code == 200
        assert response.json() == {"userId": str(user.id), "favoriteGenres": [], "favoriteCinemas": [],
                                   "emailNotification": True, "smsNotification": False,
                                   "pushNotification": True, "language": "vi"}

    async def test_update_persists(self, client: httpx.AsyncClient, make_user: Any) -> None:
        user = await make_user()
        cinema = str(uuid.uuid4())
        response = await client.put("/api/users/preferences", headers=user.headers, json={
            "favoriteGenres": ["Hành động", "Comedy", "Comedy"], "favoriteCinemas": [cinema, cinema],
            "smsNotification": True, "language": "en"})
        assert response.status_code == 200, response.text
        await client.put("/api/users/preferences", headers=user.headers, json={"pushNotification": False})
        stored = (await client.get("/api/users/preferences", headers=user.headers)).json()
        assert stored["favoriteGenres"] == ["Hành động", "Comedy"] and stored["favoriteCinemas"] == [cinema]
        assert (stored["emailNotification"], stored["smsNotification"], stored["pushNotification"]) == (
            True, True, False)
        assert stored["language"] == "en"

    @pytest.mark.parametrize("body", [
        {"language": "fr"},
        {"favoriteCinemas": ["not-a-uuid"]},
        {"favoriteGenres": [f"genre {i}" for i in range(21)]},
        {"favoriteGenres": [""]},
        {"emailNotification": None},
        {"emailNotification": "sometimes"},
        {"userId": str(uuid.uuid4())},
    ])
    async def test_invalid_input_is_422_and_changes_nothing(self, client: httpx.AsyncClient, make_user: Any,
                                                            body: dict[str, Any]) -> None:
        user = await make_user()
        before = (await client.get("/api/users/preferences", headers=user.headers)).json()
        response = await client.put("/api/users/preferences", headers=user.headers,
                                    json={"smsNotification": True, **body})
        assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR"
        assert (await client.get("/api/users/preferences", headers=user.headers)).json() == before


class TestBookingHistory:
    async def test_empty_page_until_bookings_exist(self, client: httpx.AsyncClient, make_user: Any) -> None:
        user = await make_user()
        response = await client.get("/api/users/booking-history", headers=user.headers)
        assert response.status_code == 200
        assert response.json() == {"items": [], "total": 0, "page": 1, "pageSize": 20}
        response = await client.get("/api/users/booking-history", headers=user.headers,
                                    params={"page": 3, "pageSize": 5})
        assert response.json() == {"items": [], "total": 0, "page": 3, "pageSize": 5}

    @pytest.mark.parametrize("params", [{"page": 0}, {"pageSize": 0}, {"pageSize": 101}, {"page": "x"}])
    async def test_bad_paging_is_422(self, client: httpx.AsyncClient, make_user: Any,
                                     params: dict[str, Any]) -> None:
        user = await make_user()
        response = await client.get("/api/users/booking-history", headers=user.headers, params=params)
        assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR"


class TestOwnDataOnly:
    async def test_each_user_sees_and_changes_only_their_own(self, client: httpx.AsyncClient,
                                                             make_user: Any) -> None:
        alice, bob = await make_user(), await make_user(Role.STAFF)
        await client.put("/api/users/me", headers=alice.headers, json={"firstName": "Alice"})
        response = await client.put("/api/users/me", headers=bob.headers, json={"firstName": "Bob"})
        assert response.json()["id"] == str(bob.id)
        assert (await _me(client, alice))["firstName"] == "Alice"
        assert (await _me(client, bob))["email"] == bob.email

    async def test_a_body_cannot_point_at_another_user(self, client: httpx.AsyncClient,
                                                       make_user: Any) -> None:
        alice, mallory = await make_user(), await make_user()
        before = await _me(client, alice)
        response = await client.put("/api/users/me", headers=mallory.headers,
                                    json={"id": str(alice.id), "firstName": "Hacked"})
        assert response.status_code == 422
        assert await _me(client, alice) == before
        assert (await _me(client, mallory))["firstName"] == "Test"
