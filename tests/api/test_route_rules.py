"""Every route declares who may call it, and the running API enforces it.

An operation in the OpenAPI document is either `x-public` (route_class=PublicRoute) or carries
`security: [{"HTTPBearer": [<minimum role>]}]`. Each protected operation is then called over real HTTP
without a token, with bad tokens, and with a valid token of every role below its minimum.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from fastapi.routing import APIRoute

from api.app import create_app
from domain.shared.roles import Role
from domain.shared.time import utcnow
from infra.settings import Settings

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
NAMES_A_USER = re.compile(r"(?i)(user|account|customer).?id")
ROLE_NAMES = {r.value for r in Role}

# Booking routes answer from their workflows: a worker must be there for them to answer at all.
pytestmark = pytest.mark.usefixtures("worker")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    public: bool
    scopes: tuple[str, ...] | None  # None: no security requirement at all

    @property
    def minimum(self) -> Role:
        return max((Role(s) for s in self.scopes or ()), key=lambda r: r.rank, default=Role.CUSTOMER)

    def url(self) -> str:
        return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), self.path)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def _operations(document: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            security = op.get("security")
            scopes = None if security is None else tuple(
                scope for requirement in security for scope in requirement.get("HTTPBearer", []))
            found.append(Operation(method, path, op.get("x-public") is True, scopes))
    return found


@pytest.fixture
async def operations(client: httpx.AsyncClient) -> list[Operation]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    ops = _operations(response.json())
    assert len(ops) > 10, "the OpenAPI document lists too few operations; is the app wired up?"
    return ops


def _protected(operations: list[Operation]) -> list[Operation]:
    return [op for op in operations if not op.public]


async def _call(client: httpx.AsyncClient, op: Operation, headers: dict[str, str]) -> httpx.Response:
    return await client.request(op.method.upper(), op.url(), headers=headers, json={})


class TestEveryRouteDeclaresItsRule:
    async def test_each_operation_is_public_or_names_a_role(self, operations: list[Operation]) -> None:
        problems = []
        for op in operations:
            if op.public and op.scopes is not None:
                problems.append(f"{op}: both x-public and a security requirement")
            elif not op.public and not op.scopes:
                problems.append(f"{op}: neither x-public nor security [{{'HTTPBearer': [<role>]}}]")
            elif op.scopes and any(s not in ROLE_NAMES for s in op.scopes):
                problems.append(f"{op}: unknown role in {op.scopes}")
        assert not problems, "\n".join(problems)

    def test_no_api_route_is_hidden_from_the_document(self, settings: Settings) -> None:
        hidden = [f"{sorted(r.methods)} {r.path}" for r in create_app(settings).routes
                  if isinstance(r, APIRoute) and not r.include_in_schema]
        assert not hidden, f"routes left out of OpenAPI escape the route-rule check: {hidden}"

    async def test_customer_routes_never_take_a_user_id(self, operations: list[Operation]) -> None:
        """A customer acts on their own data through the token, never by naming another user."""
        offenders = [str(op) for op in _protected(operations) if op.minimum is Role.CUSTOMER
                     and (re.search(r"/users/\{", op.path)
                          or any(NAMES_A_USER.search(p) for p in re.findall(r"\{([^}]+)\}", op.path)))]
        assert not offenders, offenders


class TestProtectedRoutesRefuseStrangers:
    async def test_no_token_is_401(self, client: httpx.AsyncClient, operations: list[Operation]) -> None:
        await _expect_all(client, _protected(operations), {}, 401, "UNAUTHORIZED")

    @pytest.mark.parametrize("header", ["Bearer garbage", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz",
                                        "garbage"])
    async def test_garbage_token_is_401(self, client: httpx.AsyncClient, operations: list[Operation],
                                        header: str) -> None:
        await _expect_all(client, _protected(operations), {"Authorization": header}, 401, "UNAUTHORIZED")

    async def test_forged_admin_token_is_401(self, client: httpx.AsyncClient, operations: list[Operation],
                                             settings: Settings) -> None:
        now = int(utcnow().timestamp())
        forged = jwt.encode({"sub": str(uuid.uuid4()), "role": "Admin", "jti": uuid.uuid4().hex,
                             "typ": "access", "iss": settings.jwt_issuer, "iat": now, "exp": now + 600},
                            "not-the-server-secret-0123456789abcdef", algorithm="HS256")
        await _expect_all(client, _protected(operations), {"Authorization": f"Bearer {forged}"}, 401,
                          "UNAUTHORIZED")

    async def test_roles_below_the_minimum_are_403(self, client: httpx.AsyncClient,
                                                   operations: list[Operation], make_user: Any) -> None:
        users = {role: await make_user(role) for role in Role if role is not Role.ADMIN}
        failures: list[str] = []
        for op in _protected(operations):
            for role, user in users.items():
                if role.rank < op.minimum.rank:
                    failures += await _check(client, op, user.headers, 403, "FORBIDDEN", f"as {role.value}")
        assert not failures, "\n".join(failures)

    async def test_the_minimum_role_gets_past_the_guard(self, client: httpx.AsyncClient,
                                                        operations: list[Operation], make_user: Any) -> None:
        """The guard is not simply closed: the minimum role is neither 401 nor 403."""
        failures = []
        for op in _protected(operations):  # a fresh user each time: a route such as logout revokes the token
            response = await _call(client, op, (await make_user(op.minimum)).headers)
            if response.status_code in (401, 403):
                failures.append(f"{op} as {op.minimum.value}: {response.status_code} {response.text[:200]}")
        assert not failures, "\n".join(failures)


async def _check(client: httpx.AsyncClient, op: Operation, headers: dict[str, str], status: int, code: str,
                 who: str = "") -> list[str]:
    response = await _call(client, op, headers)
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    if response.status_code != status or body.get("error", {}).get("code") != code:
        return [f"{op} {who}: expected {status} {code}, got {response.status_code} {response.text[:200]}"]
    return []


async def _expect_all(client: httpx.AsyncClient, ops: list[Operation], headers: dict[str, str], status: int,
                      code: str) -> None:
    failures = [f for op in ops for f in await _check(client, op, headers, status, code)]
    assert not failures, "\n".join(failures)
