"""Auth over real HTTP with real PostgreSQL, Redis, Temporal (mail workflow) and SMTP."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
import pytest
from sqlalchemy import text
from sqlmodel import select

from domain.auth import service as auth_service
from domain.auth.models import Account
from domain.auth.tokens import mailed_secret
from domain.shared.roles import Role
from domain.shared.time import utcnow
from infra.db import SessionMaker, unit_of_work
from infra.settings import Settings
from tests.conftest import Mailbox

pytestmark = pytest.mark.usefixtures("worker")


def _email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


def _token_in(mail: dict[str, Any]) -> str:
    match = re.search(r"token=([A-Za-z0-9_\-]+)", mail["text"])
    assert match, mail["text"]
    return match.group(1)


SIGN_UP_ANSWER = {"message": "Check your inbox: we sent a link to finish signing up. You can sign in now."}


async def _register(client: httpx.AsyncClient, email: str, password: str = "Good-pass-1") -> dict[str, Any]:
    """Sign up, then sign in as a new customer does: the tokens of the new account."""
    response = await client.post("/api/auth/register", json={"email": email, "password": password,
                                                              "firstName": "Lan", "lastName": "Tran"})
    assert (response.status_code, response.json()) == (202, SIGN_UP_ANSWER), response.text
    login = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return login.json()  # type: ignore[no-any-return]


class TestRegister:
    async def test_creates_account_and_mails_a_verification_link(self, client: httpx.AsyncClient,
                                                                  mailbox: Mailbox) -> None:
        email = _email()
        body = await _register(client, email)
        assert body["user"]["email"] == email and body["user"]["role"] == "Customer"
        assert body["user"]["emailVerified"] is False
        mails = await mailbox.wait_for(email)
        assert len(mails) == 1 and "Verify your email" in mails[0]["subject"]

        verified = await client.get("/api/auth/verify-email", params={"token": _token_in(mails[0])})
        assert verified.status_code == 200 and verified.json()["emailVerified"] is True
        again = await client.post("/api/auth/verify-email", json={"token": _token_in(mails[0])})
        assert again.status_code == 400 and again.json()["error"]["code"] == "INVALID_TOKEN"

    async def test_a_taken_email_gets_the_same_answer_and_its_owner_a_mail(
            self, client: httpx.AsyncClient, mailbox: Mailbox) -> None:
        email = _email()
        owner = await _register(client, email)
        response = await client.post("/api/auth/register", json={"email": email.upper(), "password": "Other-pass-2"})
        assert (response.status_code, response.json()) == (202, SIGN_UP_ANSWER)  # nothing tells it is taken
        mails = await mailbox.wait_for(email, count=2)
        told = [m for m in mails if "already have an account" in m["subject"]]
        assert len(told) == 1 and "token=" not in told[0]["text"]
        refused = await client.post("/api/auth/login", json={"email": email, "password": "Other-pass-2"})
        assert refused.status_code == 401  # the account is unchanged: its own password still signs in
        assert (await client.post("/api/auth/login", json={"email": email, "password": "Good-pass-1"})
                ).json()["user"]["id"] == owner["user"]["id"]

    @pytest.mark.parametrize("payload", [
        {"email": "not-an-email", "password": "Good-pass-1"},
        {"email": "weak@example.com", "password": "short1"},
        {"email": "weak@example.com", "password": "onlyletters"},
        {"password": "Good-pass-1"},
    ])
    async def test_bad_input_is_422_and_creates_nothing(self, client: httpx.AsyncClient, payload: dict[str, Any],
                                                        sessionmaker: SessionMaker) -> None:
        response = await client.post("/api/auth/register", json=payload)
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["field"] in ("email", "password")
        async with unit_of_work(sessionmaker) as session:
            assert await auth_service.account_by_email(session, email="weak@example.com") is None

    async def test_expired_verification_link_is_refused(self, client: httpx.AsyncClient,
                                                        sessionmaker: SessionMaker, settings: Settings) -> None:
        email = _email()
        await _register(client, email)
        key = settings.jwt_secret.get_secret_value()
        async with unit_of_work(sessionmaker) as session:
            account = await auth_service.account_by_email(session, email=email)
            assert account is not None
            event_id = await auth_service.request_email_verification(session, account=account,
                                                                     ttl=timedelta(seconds=-1), now=utcnow(), key=key)
        token = mailed_secret(key, event_id)  # the link that mail carries
        response = await client.post("/api/auth/verify-email", json={"token": token})
        assert response.status_code == 400 and "expired" in response.json()["error"]["message"]


class TestConcurrency:
    async def test_same_email_registered_at_once_creates_one_account(self, client: httpx.AsyncClient,
                                                                     sessionmaker: SessionMaker) -> None:
        email = _email()
        responses = await asyncio.gather(*(client.post("/api/auth/register", json={
            "email": email, "password": "Good-pass-1"}) for _ in range(4)))
        assert [r.status_code for r in responses] == [202] * 4
        async with unit_of_work(sessionmaker) as session:
            accounts = (await session.exec(select(Account).where(Account.email == email))).all()
        assert len(accounts) == 1

    async def test_one_refresh_token_used_twice_at_once_wins_once(self, client: httpx.AsyncClient) -> None:
        pair = await _register(client, _email())
        responses = await asyncio.gather(*(client.post("/api/auth/refresh-token", json={
            "refreshToken": pair["refreshToken"]}) for _ in range(2)))
        assert sorted(r.status_code for r in responses) == [200, 401]


class TestLoginAndTokens:
    async def test_login_then_refresh_rotates(self, client: httpx.AsyncClient) -> None:
        email = _email()
        await _register(client, email)
        login = await client.post("/api/auth/login", json={"email": email, "password": "Good-pass-1"})
        assert login.status_code == 200
        first = login.json()["refreshToken"]
        rotated = await client.post("/api/auth/refresh-token", json={"refreshToken": first})
        assert rotated.status_code == 200
        second = rotated.json()["refreshToken"]
        assert second != first
        assert (await client.post("/api/auth/refresh-token", json={"refreshToken": second})).status_code == 200

    async def test_reused_refresh_token_revokes_the_family(self, client: httpx.AsyncClient) -> None:
        pair = await _register(client, _email())
        stolen = pair["refreshToken"]
        legit = (await client.post("/api/auth/refresh-token", json={"refreshToken": stolen})).json()["refreshToken"]
        reuse = await client.post("/api/auth/refresh-token", json={"refreshToken": stolen})
        assert reuse.status_code == 401 and reuse.json()["error"]["code"] == "REFRESH_TOKEN_REUSED"
        after = await client.post("/api/auth/refresh-token", json={"refreshToken": legit})
        assert after.status_code == 401 and after.json()["error"]["code"] == "INVALID_REFRESH_TOKEN"

    async def test_wrong_password_is_401(self, client: httpx.AsyncClient) -> None:
        email = _email()
        await _register(client, email)
        response = await client.post("/api/auth/login", json={"email": email, "password": "Wrong-pass-1"})
        assert response.status_code == 401 and response.json()["error"]["code"] == "INVALID_CREDENTIALS"

    async def test_logout_revokes_the_access_token_and_the_session(self, client: httpx.AsyncClient) -> None:
        pair = await _register(client, _email())
        headers = {"Authorization": f"Bearer {pair['accessToken']}"}
        out = await client.post("/api/auth/logout", json={"refreshToken": pair["refreshToken"]}, headers=headers)
        assert out.status_code == 204
        again = await client.post("/api/auth/logout", json={}, headers=headers)
        assert again.status_code == 401 and "revoked" in again.json()["error"]["message"]
        refresh = await client.post("/api/auth/refresh-token", json={"refreshToken": pair["refreshToken"]})
        assert refresh.status_code == 401

    async def test_first_admin_from_settings_can_sign_in(self, client: httpx.AsyncClient,
                                                         settings: Settings) -> None:
        assert settings.admin_email and settings.admin_password
        response = await client.post("/api/auth/login", json={
            "email": settings.admin_email, "password": settings.admin_password.get_secret_value()})
        assert response.status_code == 200 and response.json()["user"]["role"] == "Admin"


class TestBadTokens:
    def _claims(self, **override: Any) -> dict[str, Any]:
        now = int(utcnow().timestamp())
        claims = {"sub": str(uuid.uuid4()), "role": "Admin", "jti": uuid.uuid4().hex, "typ": "access",
                  "iss": "cinema", "iat": now, "exp": now + 600}
        return {**claims, **override}

    async def _status(self, client: httpx.AsyncClient, token: str) -> int:
        response = await client.post("/api/auth/logout", json={}, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code != 401 or response.json()["error"]["code"] == "UNAUTHORIZED"
        return response.status_code

    async def test_expired_token(self, client: httpx.AsyncClient, settings: Settings) -> None:
        token = jwt.encode(self._claims(exp=int(utcnow().timestamp()) - 5),
                           settings.jwt_secret.get_secret_value(), algorithm="HS256")
        assert await self._status(client, token) == 401

    async def test_tampered_token(self, client: httpx.AsyncClient, make_user: Any) -> None:
        user = await make_user(Role.CUSTOMER)
        header, payload, signature = user.access_token.split(".")
        forged_payload = jwt.utils.base64url_encode(
            jwt.utils.base64url_decode(payload).replace(b'"Customer"', b'"Admin"')).decode()
        assert await self._status(client, f"{header}.{forged_payload}.{signature}") == 401

    async def test_alg_none_token(self, client: httpx.AsyncClient) -> None:
        token = jwt.encode(self._claims(), key=None, algorithm="none")  # type: ignore[arg-type]
        assert await self._status(client, token) == 401

    async def test_token_signed_with_another_secret(self, client: httpx.AsyncClient) -> None:
        token = jwt.encode(self._claims(), "another-secret-0123456789abcdef0123456789", algorithm="HS256")
        assert await self._status(client, token) == 401


class TestRateLimits:
    async def test_login_is_limited_per_ip_and_account(self, client: httpx.AsyncClient, settings: Settings) -> None:
        email, other = _email(), _email()
        await _register(client, email)
        await _register(client, other)
        for _ in range(settings.login_rate_limit):
            wrong = await client.post("/api/auth/login", json={"email": email, "password": "Wrong-pass-1"})
            assert wrong.status_code == 401
        limited = await client.post("/api/auth/login", json={"email": email, "password": "Good-pass-1"})
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "RATE_LIMITED" and int(limited.headers["retry-after"]) > 0
        fine = await client.post("/api/auth/login", json={"email": other, "password": "Good-pass-1"})
        assert fine.status_code == 200

    async def test_forgot_password_is_limited(self, client: httpx.AsyncClient, settings: Settings) -> None:
        email = _email()
        for _ in range(settings.login_rate_limit):
            assert (await client.post("/api/auth/forgot-password", json={"email": email})).status_code == 202
        assert (await client.post("/api/auth/forgot-password", json={"email": email})).status_code == 429


class TestPasswordReset:
    async def test_reset_through_the_mailed_link(self, client: httpx.AsyncClient, mailbox: Mailbox) -> None:
        email = _email()
        pair = await _register(client, email)
        assert (await client.post("/api/auth/forgot-password", json={"email": email})).status_code == 202
        mails = [m for m in await mailbox.wait_for(email, count=2) if "Reset" in m["subject"]]
        assert len(mails) == 1
        token = _token_in(mails[0])
        reset = await client.post("/api/auth/reset-password", json={"token": token, "newPassword": "New-pass-22"})
        assert reset.status_code == 200
        old = await client.post("/api/auth/login", json={"email": email, "password": "Good-pass-1"})
        new = await client.post("/api/auth/login", json={"email": email, "password": "New-pass-22"})
        assert (old.status_code, new.status_code) == (401, 200)
        reuse = await client.post("/api/auth/reset-password", json={"token": token, "newPassword": "Other-pass-3"})
        assert reuse.status_code == 400
        # Sessions from before the reset are signed out, access tokens included.
        assert (await client.post("/api/auth/refresh-token",
                                  json={"refreshToken": pair["refreshToken"]})).status_code == 401
        stale = await client.post("/api/auth/logout", json={},
                                  headers={"Authorization": f"Bearer {pair['accessToken']}"})
        assert stale.status_code == 401 and stale.json()["error"]["code"] == "TOKEN_OUTDATED"

    async def test_known_and_unknown_emails_get_the_same_answer_after_the_same_work(
            self, client: httpx.AsyncClient, sessionmaker: SessionMaker) -> None:
        known, unknown = _email(), _email()
        await _register(client, known)
        answers = [await client.post("/api/auth/forgot-password", json={"email": e}) for e in (known, unknown)]
        assert [(a.status_code, a.json()) for a in answers] == [(202, answers[0].json())] * 2
        async with unit_of_work(sessionmaker) as session:  # the one row each request wrote: the same event
            for email in (known, unknown):
                rows = (await session.exec(text(  # type: ignore[call-overload]
                    "SELECT topic FROM auth.outbox WHERE aggregate_id = :id"),
                    params={"id": str(auth_service.email_aggregate_id(email))})).all()
                assert [row.topic for row in rows] == ["user.password_reset.asked"]

    async def test_unknown_email_gets_the_same_answer_and_no_mail(self, client: httpx.AsyncClient,
                                                                  mailbox: Mailbox) -> None:
        email = _email()
        response = await client.post("/api/auth/forgot-password", json={"email": email})
        assert response.status_code == 202
        assert await mailbox.wait_for(email, timeout=1) == []


@pytest.mark.usefixtures("fake_idp")
class TestSocialSignIn:
    async def _sign_in(self, client: httpx.AsyncClient, provider: str, email: str, subject: str,
                       verified: bool = True) -> httpx.Response:
        start = await client.get(f"/api/auth/{provider}")
        assert start.status_code == 302
        async with httpx.AsyncClient() as browser:
            who = urlencode({"login_as": email, "subject": subject, "verified": str(verified).lower()})
            at_idp = await browser.get(f"{start.headers['location']}&{who}")
            assert at_idp.status_code == 302
            return await browser.get(at_idp.headers["location"])

    @pytest.mark.parametrize("provider", ["google", "facebook"])
    async def test_new_user_signs_in_and_comes_back_as_the_same_user(self, client: httpx.AsyncClient,
                                                                     provider: str) -> None:
        email, subject = _email(), uuid.uuid4().hex
        first = await self._sign_in(client, provider, email, subject)
        assert first.status_code == 200, first.text
        assert first.json()["user"]["email"] == email and first.json()["user"]["emailVerified"] is True
        second = await self._sign_in(client, provider, email, subject)
        assert second.json()["user"]["id"] == first.json()["user"]["id"]

    async def test_unverified_email_of_an_existing_account_is_not_taken_over(self, client: httpx.AsyncClient) -> None:
        email = _email()
        await _register(client, email)
        response = await self._sign_in(client, "google", email, uuid.uuid4().hex, verified=False)
        assert response.status_code == 409

    async def test_forged_state_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/auth/google/callback", params={"code": "x", "state": "forged"})
        assert response.status_code == 400 and response.json()["error"]["code"] == "OAUTH_FAILED"
