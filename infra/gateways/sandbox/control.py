"""The sandbox's control panel: fault switches for every order or one order, and a look at an order.
Unlike the simulators it needs an Admin: a fault switch changes every customer's payments, and an order
view shows what the simulator's callbacks were answered. The caller (api/app.py) passes the role rule in,
so infra does not import the API."""

# No `from __future__ import annotations`: the gateway path type is built per router, at definition time.
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from domain.shared.errors import NotFound
from infra.gateways.sandbox.deps import RedisDep
from infra.gateways.sandbox.store import GLOBAL_FAULTS, Faults, SandboxStore, clear_faults, order_faults_key, set_faults


def control_router(gateways: Sequence[str], admin: Any) -> APIRouter:
    """The control panel for these gateways (their names in the URL); `admin` is the dependency that admits
    only Admins (api/deps.py require_role(Role.ADMIN)), shown in OpenAPI as the route's security."""
    router = APIRouter(prefix="", dependencies=[admin])
    GatewayName = Annotated[str, Path(pattern=f"^({'|'.join(gateways)})$")]  # noqa: N806

    @router.get("/faults", response_model=Faults, summary="Sandbox: the fault switches for every order")
    async def read_faults(redis: RedisDep) -> Faults:
        return await SandboxStore(redis, "any").faults(None)

    @router.put("/faults", response_model=Faults, summary="Sandbox: set the fault switches for every order")
    async def put_faults(body: Faults, redis: RedisDep) -> Faults:
        await set_faults(redis, GLOBAL_FAULTS, body)
        return body

    @router.delete("/faults", status_code=status.HTTP_204_NO_CONTENT,
                   summary="Sandbox: turn every fault switch off (global and per order)")
    async def delete_faults(redis: RedisDep) -> None:
        await clear_faults(redis)

    @router.put("/{gateway}/orders/{order_ref}/faults", response_model=Faults,
                summary="Sandbox: set the fault switches of one order (they replace the global ones for it)")
    async def put_order_faults(gateway: GatewayName, order_ref: str, body: Faults, redis: RedisDep) -> Faults:
        await set_faults(redis, order_faults_key(gateway, order_ref), body)
        return body

    @router.get("/{gateway}/orders/{order_ref}", summary="Sandbox: an order as the simulator sees it, with its IPNs")
    async def read_order(gateway: GatewayName, order_ref: str, redis: RedisDep) -> dict[str, Any]:
        store = SandboxStore(redis, gateway)
        order = await store.get("order", order_ref)
        if order is None:
            raise NotFound("The simulator has no such order.")
        return {**order, "ipn": await store.entries("ipn", order_ref)}

    return router
