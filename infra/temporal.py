"""Temporal client factory: one data converter (Pydantic) for the API, workers and tests."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter


async def connect_temporal(address: str, namespace: str = "default", *, lazy: bool = False) -> Client:
    """`lazy=True` connects on first use, so a caller can start while Temporal is still down."""
    return await Client.connect(address, namespace=namespace, data_converter=pydantic_data_converter, lazy=lazy)
