"""Logging: one line per record, JSON by default (CINEMA_LOG_FORMAT=json|text), with what ties it to the rest.

A JSON line carries `time` (UTC, ISO 8601), `level`, `logger`, `message`, the `requestId` of the request being
handled, and inside Temporal the `workflowId`, `runId`, `workflowType` and, in an activity, `activityType` and
`attempt`; a saga's `bookingId` comes from its workflow id (`booking-…`, `cancellation-…`). Fields a caller
passes with `extra={"booking_id": …, "user_id": …}` are kept, camelCased. Exceptions go in `error`.
Stdlib only: the formatter is a few lines and adds no dependency (the SDK's own `workflow.logger` and
`activity.logger` put their context on the record as `temporal_workflow` / `temporal_activity`)."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
EXTRA_FIELDS = {"booking_id": "bookingId", "user_id": "userId", "showtime_id": "showtimeId",
                "payment_id": "paymentId", "refund_id": "refundId"}
SAGA_PREFIXES = ("booking-", "cancellation-")


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def _temporal_context(record: logging.LogRecord) -> dict[str, Any]:
    """The workflow/activity a record was logged in: from the SDK's loggers' extras, or the running activity."""
    found: dict[str, Any] = {}
    for key in ("temporal_workflow", "temporal_activity"):
        value = getattr(record, key, None)
        if isinstance(value, dict):
            found.update(value)
    if not found:
        from temporalio import activity

        if activity.in_activity():
            info = activity.info()
            found = {"workflow_id": info.workflow_id, "run_id": info.workflow_run_id,
                     "workflow_type": info.workflow_type, "activity_type": info.activity_type,
                     "attempt": info.attempt}
    names = {"workflow_id": "workflowId", "run_id": "runId", "workflow_run_id": "runId",
             "workflow_type": "workflowType", "activity_type": "activityType", "attempt": "attempt"}
    context = {names[k]: v for k, v in found.items() if k in names and v is not None}
    workflow_id = str(context.get("workflowId", ""))
    for prefix in SAGA_PREFIXES:
        if workflow_id.startswith(prefix):
            context["bookingId"] = workflow_id.removeprefix(prefix)
    return context


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id and request_id != "-":
            line["requestId"] = request_id
        line.update(_temporal_context(record))
        line.update({name: str(getattr(record, key)) for key, name in EXTRA_FIELDS.items() if hasattr(record, key)})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's own lines go the same way; its access log stays as the server options left it (off: a line per
    # request costs about as much as a small route, cinema/supervisor.py API_SERVER_OPTIONS).
    for name in ("uvicorn", "uvicorn.error"):
        server_log = logging.getLogger(name)
        server_log.handlers[:] = []
        server_log.propagate = True
