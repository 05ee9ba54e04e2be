"""What the simulators take from a request: the app's Redis, settings and HTTP client (from the lifespan state, as
api/deps.py reads them), and a route class that marks every simulator route open (`x-public`)."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from fastapi import Depends, Request
from fastapi.routing import APIRoute
from redis.asyncio import Redis

from infra.settings import Settings


async def _redis(request: Request) -> Redis:
    return request.state.redis  # type: ignore[no-any-return]


async def _settings(request: Request) -> Settings:
    return request.state.settings  # type: ignore[no-any-return]


async def _http(request: Request) -> httpx.AsyncClient:
    return request.state.http  # type: ignore[no-any-return]


RedisDep = Annotated[Redis, Depends(_redis)]
HttpDep = Annotated[httpx.AsyncClient, Depends(_http)]  # the process's one client: a callback opens no new one
SettingsDep = Annotated[Settings, Depends(_settings)]


class PublicRoute(APIRoute):
    """Simulator routes are open to everyone, like the gateways they stand in for (api/deps.py PublicRoute)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["openapi_extra"] = {**(kwargs.get("openapi_extra") or {}), "x-public": True}
        super().__init__(*args, **kwargs)
