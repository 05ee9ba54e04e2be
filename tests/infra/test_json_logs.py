"""Log lines are JSON with what ties them to the rest: the request id of the request being handled and, inside
an activity (run by the SDK's ActivityEnvironment), its workflow, activity and the saga's booking id."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import sys
import uuid
from collections.abc import Iterator

import pytest
from temporalio import activity
from temporalio.testing import ActivityEnvironment

from infra.logging import JsonFormatter, configure_logging, request_id_var


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """The root logger as the API and worker processes configure it, writing into a buffer."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    configure_logging("INFO", "json")
    buffer = io.StringIO()
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    root.handlers[:], root.level = saved, level


def logged(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_line_in_a_request_carries_its_request_id(lines: io.StringIO) -> None:
    token = request_id_var.set("req-42")
    try:
        logging.getLogger("cinema.test").warning("seat %s refused", "A1", extra={"user_id": "u-1"})
    finally:
        request_id_var.reset(token)
    logging.getLogger("cinema.test").info("outside")
    first, second = logged(lines)
    assert {k: first[k] for k in ("level", "logger", "message", "requestId", "userId")} == {
        "level": "WARNING", "logger": "cinema.test", "message": "seat A1 refused", "requestId": "req-42",
        "userId": "u-1"}
    assert "requestId" not in second and second["time"].endswith("+00:00")  # type: ignore[union-attr]


async def test_a_line_in_an_activity_names_its_workflow_activity_and_booking(lines: io.StringIO) -> None:
    booking_id = uuid.uuid4()

    @activity.defn(name="confirm_booking")
    async def confirm() -> None:
        logging.getLogger("cinema.bookings").info("confirmed")

    environment = ActivityEnvironment()
    environment.info = dataclasses.replace(environment.info, workflow_id=f"booking-{booking_id}",
                                           workflow_type="BookingWorkflow", activity_type="confirm_booking")
    await environment.run(confirm)
    (line,) = logged(lines)
    assert {k: line[k] for k in ("workflowId", "workflowType", "activityType", "bookingId", "attempt")} == {
        "workflowId": f"booking-{booking_id}", "workflowType": "BookingWorkflow", "activityType": "confirm_booking",
        "bookingId": str(booking_id), "attempt": 1}


def test_an_exception_is_one_json_line_with_its_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("cinema.x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    text = JsonFormatter().format(record)
    line = json.loads(text)
    assert line["message"] == "failed" and "ValueError: boom" in line["error"] and "\n" not in text
