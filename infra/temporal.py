"""Temporal client factory: one data converter (Pydantic) for the API, workers and tests."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from infra.request_ids import RequestIdInterceptor


def metrics_runtime(port: int, host: str = "127.0.0.1") -> Runtime:
    """An SDK runtime that serves its metrics (workflows, activities, task queues, polls, and what the workflows
    count through `workflow.metric_meter()`) in Prometheus' text format at http://host:port/metrics."""
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(
        bind_address=f"{host}:{port}", counters_total_suffix=True, durations_as_seconds=True)))


async def connect_temporal(address: str, namespace: str = "default", *, lazy: bool = False,
                           runtime: Runtime | None = None) -> Client:
    """`lazy=True` connects on first use, so a caller can start while Temporal is still down; `runtime`: one with
    its metrics exported (metrics_runtime), else the SDK's default. The request id travels in a header
    (infra/request_ids.py)."""
    return await Client.connect(address, namespace=namespace, data_converter=pydantic_data_converter, lazy=lazy,
                                runtime=runtime, interceptors=[RequestIdInterceptor()])
