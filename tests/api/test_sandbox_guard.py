"""The simulators are no SSRF or open-redirect tool, their fault switches need an Admin, and they are never
mounted outside development and test (issue 11, item 3). Over real HTTP against the test API."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from domain.payments.vntime import epoch_ms
from domain.shared.roles import Role
from domain.shared.time import utcnow
from infra.gateways.momo import protocol as momo
from infra.gateways.sandbox.urls import under
from infra.gateways.settings import PaymentSettings, SandboxSettings, payment_settings
from infra.gateways.vnpay import protocol as vnpay
from infra.gateways.zalopay import protocol as zalopay
from infra.settings import Settings


class Listener:
    """A local HTTP server standing for an internal service: it counts the connections it gets."""

    def __init__(self) -> None:
        self.hits = 0
        self.url = ""

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.hits += 1
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


@pytest_asyncio.fixture(loop_scope="session")
async def internal() -> AsyncIterator[Listener]:
    listener = Listener()
    server = await asyncio.start_server(listener._handle, "127.0.0.1", 0)
    listener.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/internal/admin"
    yield listener
    server.close()
    await server.wait_closed()


def momo_create(settings: Settings, *, ipn_url: str | None = None, redirect_url: str | None = None) -> dict[str, Any]:
    config = payment_settings(settings).momo
    order_id = uuid.uuid4().hex
    return momo.CreatePayment(
        partner_code=config.partner_code, request_id=order_id, order_id=order_id, amount=150_000,
        order_info="Ve xem phim", redirect_url=redirect_url or config.return_url or "",
        ipn_url=ipn_url or config.ipn_url or "").body(access_key=config.access_key,
                                                      secret_key=config.secret_key.get_secret_value())


def zalopay_create(settings: Settings, *, callback_url: str | None = None,
                   redirect_url: str | None = None) -> dict[str, Any]:
    config, now = payment_settings(settings).zalopay, utcnow()
    return zalopay.CreateOrder(
        app_id=config.app_id, app_user="user", app_trans_id=zalopay.app_trans_id(uuid.uuid4().hex, now),
        app_time=epoch_ms(now), amount=150_000, description="Ve xem phim",
        embed_data=zalopay.to_json({"redirecturl": redirect_url or config.return_url}),
        callback_url=callback_url or config.callback_url).body(config.key1.get_secret_value())


async def pay_and_wait(client: httpx.AsyncClient, pay_url: str) -> httpx.Response:
    done = await client.post(pay_url, data={"action": "pay"})
    await asyncio.sleep(0.5)  # a callback would have been sent by now
    return done


class TestMomoCallsBackOnlyOurWebhook:
    async def test_an_internal_ipn_url_is_refused_and_never_called(
            self, client: httpx.AsyncClient, sandbox: httpx.AsyncClient, settings: Settings,
            internal: Listener) -> None:
        body = momo_create(settings, ipn_url=internal.url)
        answer = (await client.post(f"/sandbox/momo{momo.CREATE_PATH}", json=body)).json()
        assert answer["resultCode"] == momo.ResultCode.BAD_FORMAT and "payUrl" not in answer
        view = await sandbox.get(f"/sandbox/momo/orders/{body['orderId']}")
        assert view.status_code == 404  # no order, so no IPN to show
        assert internal.hits == 0

    async def test_a_foreign_redirect_url_is_refused(self, client: httpx.AsyncClient, settings: Settings) -> None:
        body = momo_create(settings, redirect_url="https://evil.example/phish")
        answer = (await client.post(f"/sandbox/momo{momo.CREATE_PATH}", json=body)).json()
        assert answer["resultCode"] == momo.ResultCode.BAD_FORMAT

    async def test_our_own_urls_are_accepted(self, client: httpx.AsyncClient, settings: Settings) -> None:
        answer = (await client.post(f"/sandbox/momo{momo.CREATE_PATH}", json=momo_create(settings))).json()
        assert answer["resultCode"] == momo.ResultCode.SUCCESS and answer["payUrl"]


class TestZalopayCallsBackOnlyOurWebhook:
    async def test_an_internal_callback_url_is_refused_and_never_called(
            self, client: httpx.AsyncClient, settings: Settings, internal: Listener) -> None:
        answer = (await client.post(f"/sandbox/zalopay{zalopay.CREATE_PATH}",
                                    json=zalopay_create(settings, callback_url=internal.url))).json()
        assert (answer["return_code"], answer["sub_return_code"]) == (2, -401)
        assert "order_url" not in answer and internal.hits == 0

    async def test_a_foreign_redirect_in_embed_data_is_refused(self, client: httpx.AsyncClient,
                                                               settings: Settings) -> None:
        answer = (await client.post(f"/sandbox/zalopay{zalopay.CREATE_PATH}",
                                    json=zalopay_create(settings, redirect_url="https://evil.example/"))).json()
        assert (answer["return_code"], answer["sub_return_code"]) == (2, -401)

    async def test_our_own_urls_are_accepted_and_called(self, client: httpx.AsyncClient, settings: Settings) -> None:
        answer = (await client.post(f"/sandbox/zalopay{zalopay.CREATE_PATH}", json=zalopay_create(settings))).json()
        assert answer["return_code"] == 1 and answer["order_url"]


class TestVnpayRedirectsOnlyToOurReturnRoute:
    async def test_a_foreign_return_url_gets_the_error_page(self, client: httpx.AsyncClient,
                                                            settings: Settings) -> None:
        config, now = payment_settings(settings).vnpay, utcnow()
        request = vnpay.PayRequest(tmn_code=config.tmn_code, amount_vnd=150_000, txn_ref=uuid.uuid4().hex,
                                   order_info="Ve xem phim", return_url="https://evil.example/back",
                                   ip_addr="127.0.0.1", created_at=now)
        url = vnpay.pay_url(config.pay_url or "", request, config.hash_secret.get_secret_value())
        page = await client.get(url)
        assert page.status_code == 302 and page.headers["location"].endswith("Error.html?code=03")
        done = await client.post(url, data={"action": "pay"})
        assert done.status_code == 302 and "evil.example" not in done.headers["location"]


CONTROL = [("PUT", "/sandbox/faults", {"dropIpn": True}), ("DELETE", "/sandbox/faults", None),
           ("GET", "/sandbox/faults", None), ("PUT", "/sandbox/momo/orders/x1/faults", {"dropIpn": True}),
           ("GET", "/sandbox/momo/orders/x1", None)]


class TestFaultSwitchesNeedAnAdmin:
    @pytest.mark.parametrize(("method", "path", "body"), CONTROL)
    async def test_anonymous_and_staff_are_refused(self, client: httpx.AsyncClient, make_user: Any, method: str,
                                                   path: str, body: dict[str, Any] | None) -> None:
        anonymous = await client.request(method, path, json=body)
        assert anonymous.status_code == 401, anonymous.text
        manager = await make_user(Role.MANAGER)
        refused = await client.request(method, path, json=body, headers=manager.headers)
        assert refused.status_code == 403, refused.text
        assert (await client.get("/sandbox/faults", headers=manager.headers)).status_code == 403

    async def test_an_admin_switches_faults(self, sandbox: httpx.AsyncClient) -> None:
        assert (await sandbox.put("/sandbox/faults", json={"delayMs": 1})).json()["delayMs"] == 1
        assert (await sandbox.delete("/sandbox/faults")).status_code == 204
        assert (await sandbox.get("/sandbox/faults")).json()["delayMs"] == 0

    async def test_the_openapi_documents_the_admin_rule(self, client: httpx.AsyncClient) -> None:
        paths = (await client.get("/openapi.json")).json()["paths"]
        for method, path, _ in CONTROL:
            operation = paths[path.replace("momo", "{gateway}").replace("x1", "{order_ref}")][method.lower()]
            assert operation.get("x-public") is not True
            assert operation["security"] == [{"HTTPBearer": ["Admin"]}]
            assert {"401", "403"} <= set(operation["responses"])
        assert paths[f"/sandbox/momo{momo.CREATE_PATH}"]["post"]["x-public"] is True


class TestNeverMountedOutsideDevelopment:
    @pytest.mark.parametrize("enabled", [None, True, False])
    def test_production_and_staging_never_get_the_sandbox(self, enabled: bool | None) -> None:
        payments = PaymentSettings(sandbox=SandboxSettings(enabled=enabled))
        assert not payments.sandbox_enabled("production") and not payments.sandbox_enabled("staging")
        assert payments.sandbox_enabled("test") is (enabled is not False)
        assert payments.sandbox_enabled("development") is (enabled is not False)


class TestUrlRule:
    def test_only_urls_under_the_configured_one(self) -> None:
        hook = "http://127.0.0.1:8000/api/payments/webhook/momo"
        assert under(hook, [hook]) and under(hook + "/x?y=1", [hook])
        for url in (hook + "x", "http://127.0.0.1:8001/api/payments/webhook/momo", "https://127.0.0.1:8000/api/"
                    "payments/webhook/momo", "http://localhost:8000/api/payments/webhook/momo",
                    "http://user@127.0.0.1:8000/api/payments/webhook/momo", "http://127.0.0.1:6379/", "file:///x",
                    "", None, 42):
            assert not under(url, [hook]), url
