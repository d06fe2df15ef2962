"""Structured logs: JSON lines carrying the call SID and ticket number of a call's work (the
voice webhooks, the transcription job), phone numbers masked."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline import logs
from hotline.db import utcnow
from hotline.models import RecordingStatus
from hotline.tasks.transcription import run_job
from tests.factories import CallFactory, RecordingFactory, TicketFactory

SID = "CA" + "5" * 32


@pytest.fixture
def json_lines(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The root logger's records from now on, as the JSON format writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(logs.JsonFormatter())
    logging.getLogger().addHandler(handler)
    caplog.set_level(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().removeHandler(handler)


def test_a_calls_webhooks_log_its_sid_then_its_ticket(
    twilio_post: Callable[..., TestResponse], json_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    caller = {"CallSid": SID, "From": "+8613800000005", "To": "+8657100"}
    twilio_post("/voice/incoming", caller)
    first = json_lines()
    assert first and {line["call_sid"] for line in first} == {SID}
    assert {line["ticket"] for line in first} == {""}  # no ticket yet
    assert any(line["message"] == f"call {SID} from +86138****0005" for line in first)
    # The status callback opens the ticket: its lines from then on carry the number.
    twilio_post("/voice/status", {**caller, "CallStatus": "completed", "CallDuration": "30"})
    later = json_lines()[len(first) :]
    assert later and {line["call_sid"] for line in later} == {SID}
    number = f"{utcnow().year}-000001"
    assert {line["ticket"] for line in later} - {""} == {number}
    # The line that says so carries it (not a library's incidental line: order-proof).
    assert {"message": f"ticket {number} opened (call)", "ticket": number}.items() <= next(
        line for line in later if line["message"].startswith("ticket ")
    ).items()
    assert "+8613800000005" not in json.dumps(json_lines())
    logging.getLogger("after").info("outside any call")
    assert json_lines()[-1]["call_sid"] == "" and json_lines()[-1]["ticket"] == ""


def test_the_transcription_job_logs_its_call_and_ticket(
    app: Flask, session: Session, json_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    call = CallFactory(call_sid=SID)
    TicketFactory(call=call, number="2026-000042")
    recording = RecordingFactory(call=call, status=RecordingStatus.FAILED)
    session.commit()
    with app.app_context():
        run_job(recording.id, last_try=False)
    lines = [line for line in json_lines() if line["logger"] == "hotline.tasks.transcription"]
    assert lines and all(
        (line["call_sid"], line["ticket"]) == (SID, "2026-000042") for line in lines
    )


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("call from +8613800000001 now", "call from +86138****0001 now"),
        ("mobile 13800000002.", "mobile 138000****0002."),
        (f"{SID} ticket 2026-000123", f"{SID} ticket 2026-000123"),
        ("recording RE1380000000123456 of 180 s", "recording RE1380000000123456 of 180 s"),
    ],
)
def test_numbers_are_masked_and_ids_kept(text: str, masked: str) -> None:
    assert logs.mask_numbers(text) == masked


def test_the_text_format_brackets_the_context() -> None:
    formatter = logs.TextFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "to %s", ("+8613800000001",), None)
    with logs.bound(call_sid=SID, ticket="2026-000007"):
        logs.ContextFilter().filter(record)
    assert formatter.format(record) == f"[{SID} 2026-000007] INFO to +86138****0001"
