"""Every webhook field is bounded at the edge: an oversized or absurd value is dropped or
clamped, and the rest of the callback is kept (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

from collections.abc import Callable
from xml.etree import ElementTree

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Call, CallEvent, Recording
from tests.conftest import PUBLIC_BASE_URL, sign

CALL_SID = "CA" + "5" * 32
HUGE = "+86" + "1" * 1_000_000


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def line(request: pytest.FixtureRequest, make_app: Callable[..., Flask]) -> Flask:
    """The app on SQLite or on PostgreSQL."""
    if request.param == "sqlite":
        return make_app()
    return make_app(database_url=request.getfixturevalue("postgres_url"))


def post(app: Flask, path: str, params: dict[str, str]) -> ElementTree.Element:
    signature = sign(PUBLIC_BASE_URL + path, params)
    response = app.test_client().post(path, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    return ElementTree.fromstring(response.get_data(as_text=True))


def rows(app: Flask) -> Session:
    return app.extensions["hotline.db"].sessions()


def test_oversized_caller_number_is_dropped_and_the_call_goes_on(line: Flask) -> None:
    twiml = post(line, "/voice/incoming", {"CallSid": CALL_SID, "From": HUGE, "To": "+8657100"})

    assert twiml[0].tag == "Gather"  # the menu, not the apology
    with rows(line) as session:
        call = session.scalars(select(Call)).one()
        assert (call.from_number, call.to_number) == ("", "+8657100")
        payload = session.scalars(select(CallEvent.payload)).one()
        assert "From" not in payload and payload["To"] == "+8657100"


@pytest.mark.parametrize(
    ("raw", "kept"),
    [("99999999999999999999", 86_400), ("-5", 0), ("12abc", 0), ("١٢", 0), ("42", 42)],
)
def test_absurd_recording_duration_is_bounded_and_the_rest_kept(
    line: Flask, raw: str, kept: int
) -> None:
    post(line, "/voice/incoming", {"CallSid": CALL_SID, "From": "+8613800000005"})
    callback = {
        "CallSid": CALL_SID,
        "RecordingSid": "RE" + "5" * 32,
        "RecordingUrl": "https://api.twilio.com/Recordings/RE" + "5" * 32,
        "RecordingStatus": "completed",
        "RecordingDuration": raw,
    }
    post(line, "/voice/recording-status", callback)

    with rows(line) as session:
        recording = session.scalars(select(Recording)).one()
        assert (recording.recording_sid, recording.url) == (
            callback["RecordingSid"],
            callback["RecordingUrl"],
        )
        assert recording.duration_s == kept


def test_absurd_call_duration_is_bounded(line: Flask) -> None:
    post(line, "/voice/incoming", {"CallSid": CALL_SID, "From": "+8613800000005"})
    post(
        line,
        "/voice/status",
        {"CallSid": CALL_SID, "CallStatus": "completed", "CallDuration": "9" * 30},
    )

    with rows(line) as session:
        call = session.scalars(select(Call)).one()
        assert (call.ended_at is not None, call.duration_s) == (True, 86_400)


def test_oversized_call_sid_is_refused(line: Flask) -> None:
    path = "/voice/incoming"
    params = {"CallSid": "CA" + "9" * 10_000}
    signature = sign(PUBLIC_BASE_URL + path, params)
    response = line.test_client().post(path, data=params, headers={"X-Twilio-Signature": signature})

    assert response.status_code == 400
    with rows(line) as session:
        assert session.scalars(select(Call)).all() == []


def test_unknown_fields_are_bounded_in_number_and_length(line: Flask) -> None:
    params = {"CallSid": CALL_SID, "From": "+8613800000005"}
    params.update({f"Extra{i}": "x" * 300 for i in range(200)})
    params["Short"] = "kept"
    post(line, "/voice/incoming", params)

    with rows(line) as session:
        payload = session.scalars(select(CallEvent.payload)).one()
        assert payload["CallSid"] == CALL_SID and payload["From"] == "+8613800000005"
        assert all(len(value) <= 256 for value in payload.values())
        assert len(payload) <= 64
