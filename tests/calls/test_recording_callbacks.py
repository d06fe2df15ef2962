"""What the carrier says of a recording decides whether there is anything to download."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.models import Recording, RecordingStatus

S = RecordingStatus
CALL = {"CallSid": "CA" + "7" * 32, "From": "+8613800000007", "To": "+8657100000000"}
URL = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE" + "7" * 32


def callback(status: str, duration: str) -> dict[str, str]:
    return {
        **CALL,
        "RecordingSid": "RE" + "7" * 32,
        "RecordingUrl": URL if status == "completed" else "",
        "RecordingStatus": status,
        "RecordingDuration": duration,
    }


def recording(session: Session) -> Recording:
    session.expire_all()
    return session.scalars(select(Recording)).one()


@pytest.mark.parametrize(
    ("status", "duration"), [("absent", "0"), ("failed", "0"), ("completed", "0")]
)
def test_recording_without_audio_is_empty_not_waiting_for_a_download(
    twilio_post: Callable[..., TestResponse], session: Session, status: str, duration: str
) -> None:
    twilio_post("/voice/recording-status", callback(status, duration))

    assert recording(session).status is S.EMPTY


def test_later_callback_with_audio_makes_an_empty_recording_downloadable(
    twilio_post: Callable[..., TestResponse], session: Session
) -> None:
    twilio_post("/voice/recording-status", callback("completed", "0"))
    twilio_post("/voice/recording-status", callback("completed", "12"))
    twilio_post("/voice/recording-status", callback("absent", "0"))  # late, out of order

    row = recording(session)
    assert (row.status, row.carrier_status, row.duration_s) == (
        S.AWAITING_DOWNLOAD,
        "completed",
        12,
    )
