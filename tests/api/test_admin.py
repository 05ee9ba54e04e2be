"""The Admin's user management over real HTTP: listing with filters and pages, reading, granting roles."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import jwt
import pytest

from domain.auth import service as auth_service
from domain.shared.roles import Role
from domain.shared.time import utcnow
from infra.db import SessionMaker, unit_of_work
from infra.settings import Settings
from tests.conftest import token_policy


def _marker() -> str:
    return uuid.uuid4().hex[:12]


async def _list(client: httpx.AsyncClient, admin: Any, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/admin/users", headers=admin.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def _role(client: httpx.AsyncClient, admin: Any, user_id: Any) -> str:
    response = await client.get(f"/api/admin/users/{user_id}", headers=admin.headers)
    assert response.status_code == 200, response.text
    return response.json()["role"]  # type: ignore[no-any-return]


class TestListUsers:
    async def test_fields_come_from_auth_and_users(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin, marker = await make_user(Role.ADMIN), _marker()
        staff = await make_user(Role.STAFF, email=f"staff-{marker}@example.com")
        await client.put("/api/users/me", headers=staff.headers, json={"firstName": "Hoa", "lastName": "Lê"})
        page = await _list(client, admin, email=marker)
        assert page["total"] == 1 and (page["page"], page["pageSize"]) == (1, 20)
        item = page["items"][0]
        expected = {"id": str(staff.id), "email": staff.email, "role": "Staff", "emailVerified": True,
                    "isActive": True, "firstName": "Hoa", "lastName": "Lê"}
        assert {k: item[k] for k in expected} == expected
        assert item["createdAt"]

    async def test_pages_cover_every_match_once_newest_first(self, client: httpx.AsyncClient,
                                                             make_user: Any) -> None:
        admin, marker = await make_user(Role.ADMIN), _marker()
        made = [await make_user(email=f"p{i}-{marker}@example.com") for i in range(5)]
        pages = [await _list(client, admin, email=marker, page=n, pageSize=2) for n in (1, 2, 3, 4)]
        assert [p["total"] for p in pages] == [5, 5, 5, 5]
        assert [len(p["items"]) for p in pages] == [2, 2, 1, 0]
        seen = [item["id"] for p in pages for item in p["items"]]
        assert seen == [str(u.id) for u in reversed(made)]

    async def test_filters_by_role_and_email_part(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin, marker = await make_user(Role.ADMIN), _marker()
        manager = await make_user(Role.MANAGER, email=f"m-{marker}@example.com")
        await make_user(Role.CUSTOMER, email=f"c-{marker}@example.com")
        page = await _list(client, admin, email=marker.upper(), role="Manager")
        assert [i["id"] for i in page["items"]] == [str(manager.id)] and page["total"] == 1
        assert (await _list(client, admin, email=" "))["total"] >= 3  # a blank filter matches everyone
        admins = await _list(client, admin, role="Admin", email="")
        assert admins["items"] and all(i["role"] == "Admin" for i in admins["items"])

    async def test_wildcards_in_the_email_filter_are_literal(self, client: httpx.AsyncClient,
                                                             make_user: Any) -> None:
        admin, marker = await make_user(Role.ADMIN), _marker()
        literal = await make_user(email=f"a_b%{marker}@example.com")
        await make_user(email=f"axbx{marker}@example.com")
        page = await _list(client, admin, email=f"a_b%{marker}")
        assert [i["id"] for i in page["items"]] == [str(literal.id)]
        assert (await _list(client, admin, email=f"a%{marker}"))["total"] == 0

    @pytest.mark.parametrize("params", [{"role": "Boss"}, {"pageSize": 101}, {"page": 0},
                                        {"email": "x" * 321}])
    async def test_bad_query_is_422(self, client: httpx.AsyncClient, make_user: Any,
                                    params: dict[str, Any]) -> None:
        admin = await make_user(Role.ADMIN)
        response = await client.get("/api/admin/users", headers=admin.headers, params=params)
        assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR"


class TestReadUser:
    async def test_one_user(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin, customer = await make_user(Role.ADMIN), await make_user()
        response = await client.get(f"/api/admin/users/{customer.id}", headers=admin.headers)
        assert response.status_code == 200
        assert (response.json()["email"], response.json()["role"], response.json()["lastName"]) == (
            customer.email, "Customer", "Customer")

    async def test_unknown_is_404_and_malformed_is_422(self, client: httpx.AsyncClient,
                                                       make_user: Any) -> None:
        admin = await make_user(Role.ADMIN)
        response = await client.get(f"/api/admin/users/{uuid.uuid4()}", headers=admin.headers)
        assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"
        response = await client.get("/api/admin/users/not-a-uuid", headers=admin.headers)
        assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "id"


class TestGrantRole:
    async def test_granted_role_is_in_the_next_login(self, client: httpx.AsyncClient, make_user: Any,
                                                     settings: Settings) -> None:
        admin, customer = await make_user(Role.ADMIN), await make_user()
        response = await client.put(f"/api/admin/users/{customer.id}/role", headers=admin.headers,
                                    json={"role": "Staff"})
        assert response.status_code == 200 and response.json()["role"] == "Staff"
        assert await _role(client, admin, customer.id) == "Staff"
        login = await client.post("/api/auth/login",
                                  json={"email": customer.email, "password": customer.password})
        assert login.status_code == 200 and login.json()["user"]["role"] == "Staff"
        claims = jwt.decode(login.json()["accessToken"], settings.jwt_secret.get_secret_value(),
                            algorithms=["HS256"], issuer=settings.jwt_issuer)
        assert claims["role"] == "Staff"

    async def test_a_new_admin_can_use_admin_routes_with_a_fresh_token(self, client: httpx.AsyncClient,
                                                                       make_user: Any, settings: Settings,
                                                                       sessionmaker: SessionMaker) -> None:
        admin, manager = await make_user(Role.ADMIN), await make_user(Role.MANAGER)
        response = await client.put(f"/api/admin/users/{manager.id}/role", headers=admin.headers,
                                    json={"role": "Admin"})
        assert response.status_code == 200
        # The token issued before the grant is refused at once: the user must sign in again.
        old = await client.get("/api/admin/users", headers=manager.headers)
        assert old.status_code == 401 and old.json()["error"]["code"] == "TOKEN_OUTDATED"
        async with unit_of_work(sessionmaker) as session:
            account = await auth_service.get_account(session, account_id=manager.id)
            pair = await auth_service.issue_tokens(session, account=account, policy=token_policy(settings),
                                                   now=utcnow())
        fresh = {"Authorization": f"Bearer {pair.access_token}"}
        assert (await client.get("/api/admin/users", headers=fresh)).status_code == 200

    async def test_an_admin_cannot_demote_themself(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin = await make_user(Role.ADMIN)
        for role in ("Manager", "Staff", "Customer"):
            response = await client.put(f"/api/admin/users/{admin.id}/role", headers=admin.headers,
                                        json={"role": role})
            assert response.status_code == 409 and response.json()["error"]["code"] == "CANNOT_DEMOTE_SELF"
        assert await _role(client, admin, admin.id) == "Admin"
        same = await client.put(f"/api/admin/users/{admin.id}/role", headers=admin.headers,
                                json={"role": "Admin"})
        assert same.status_code == 200 and same.json()["role"] == "Admin"

    async def test_an_admin_may_demote_another_admin(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin, other = await make_user(Role.ADMIN), await make_user(Role.ADMIN)
        response = await client.put(f"/api/admin/users/{other.id}/role", headers=admin.headers,
                                    json={"role": "Customer"})
        assert response.status_code == 200 and response.json()["role"] == "Customer"

    @pytest.mark.parametrize(("body", "status"), [({"role": "Boss"}, 422), ({}, 422),
                                                  ({"role": "Staff", "email": "x@example.com"}, 422)])
    async def test_bad_body_changes_nothing(self, client: httpx.AsyncClient, make_user: Any,
                                            body: dict[str, Any], status: int) -> None:
        admin, customer = await make_user(Role.ADMIN), await make_user()
        response = await client.put(f"/api/admin/users/{customer.id}/role", headers=admin.headers, json=body)
        assert response.status_code == status and response.json()["error"]["code"] == "VALIDATION_ERROR"
        assert await _role(client, admin, customer.id) == "Customer"

    async def test_unknown_user_is_404(self, client: httpx.AsyncClient, make_user: Any) -> None:
        admin = await make_user(Role.ADMIN)
        response = await client.put(f"/api/admin/users/{uuid.uuid4()}/role", headers=admin.headers,
                                    json={"role": "Staff"})
        assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"


class TestOnlyAdmins:
    @pytest.mark.parametrize("role", [Role.CUSTOMER, Role.STAFF, Role.MANAGER])
    async def test_lower_roles_can_neither_read_nor_grant(self, client: httpx.AsyncClient, make_user: Any,
                                                          role: Role) -> None:
        admin, caller, target = await make_user(Role.ADMIN), await make_user(role), await make_user()
        calls = [("GET", "/api/admin/users", None), ("GET", f"/api/admin/users/{target.id}", None),
                 ("PUT", f"/api/admin/users/{target.id}/role", {"role": "Admin"}),
                 ("PUT", f"/api/admin/users/{caller.id}/role", {"role": "Admin"})]
        for method, path, body in calls:
            response = await client.request(method, path, headers=caller.headers, json=body)
            assert response.status_code == 403, (method, path)
            assert response.json()["error"]["code"] == "FORBIDDEN"
        for user, expected in ((target, "Customer"), (caller, role.value)):
            assert await _role(client, admin, user.id) == expected
