"""Redis client construction."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError


def create_redis(url: str) -> Redis:
    """A pooled client that survives a Redis restart: a command on a dead pooled connection reconnects and
    is retried twice (briefly), instead of failing the request that happened to draw that connection."""
    return Redis.from_url(url, decode_responses=True, socket_connect_timeout=2, socket_timeout=5,
                          retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
                          retry_on_error=[ConnectionError, TimeoutError], health_check_interval=30)
