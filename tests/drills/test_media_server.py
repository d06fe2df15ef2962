"""Drill: the carrier's media server answers 404 before the recording is ready, sends it
slowly, or never sends it; the line's processes keep working through all of it."""

from __future__ import annotations

import threading

from sqlalchemy import select

from hotline.devtools.simulator import Caller
from hotline.models import Recording, RecordingStatus, Ticket, Transcript
from tests.drills.conftest import DRILL, Drill, eventually
from tests.helpers import SHORT_ZH, RecordingsHost, recordings_host

pytestmark = DRILL

S = RecordingStatus
# The line gives a download this long before it counts as stalled and retries it later.
DOWNLOAD_S = 3


def recording(drill: Drill, sid: str) -> Recording:
    with drill.session() as session:
        return session.scalars(select(Recording).where(Recording.recording_sid == sid)).one()


def leave_voicemail(drill: Drill, host: RecordingsHost, name: str) -> str:
    """A whole call that ends in a voicemail served by `host`; the recording's SID."""
    url = host.publish(name, SHORT_ZH.read_bytes())
    talk = drill.simulator().run(
        Caller(presses=["0"], volunteers=["no-answer"], voicemail=SHORT_ZH, voicemail_url=url)
    )
    assert talk.recording_sid is not None
    return talk.recording_sid


def transcribed(drill: Drill, sid: str) -> bool:
    return recording(drill, sid).status is S.TRANSCRIBED


def test_media_server_late_slow_or_silent(drill: Drill) -> None:
    with recordings_host() as host:
        line = drill.start(
            carrier_media_hosts=host.netloc, recording_download_seconds=str(DOWNLOAD_S)
        )
        web = line.web()
        line.worker("drill")

        # Not there yet: 404, then the file on the retry 5 s later.
        host.failures = [404]
        late = leave_voicemail(drill, host, "late")
        eventually(lambda: transcribed(drill, late), "the late recording transcribed")
        assert host.requests.count("/Recordings/late.wav") == 2

        # Slowly, but within the time allowed: one download.
        host.trickle = 20_000  # bytes a second: about 2 s for the clip
        slow = leave_voicemail(drill, host, "slow")
        eventually(lambda: transcribed(drill, slow), "the slow recording transcribed")
        assert host.requests.count("/Recordings/slow.wav") == 1
        host.trickle = None

        # Never: the headers come, the body does not. Each try gives up after DOWNLOAD_S and
        # is retried later, while the worker goes on with other voicemails.
        host.release = threading.Event()
        silent = leave_voicemail(drill, host, "silent")
        eventually(lambda: recording(drill, silent).attempts >= 2, "the stalled download retried")
        stalled = recording(drill, silent)
        assert stalled.status is S.AWAITING_DOWNLOAD
        assert stalled.failure_reason
        host.release.set()  # the carrier recovers: the next retry gets the file
        eventually(lambda: transcribed(drill, silent), "the stalled recording transcribed", 180)

    assert "failed for call" not in web.output()
    with drill.session() as session:
        assert len(session.scalars(select(Transcript.id)).all()) == 3
        assert all(session.scalars(select(Ticket.transcript_text)).all())
