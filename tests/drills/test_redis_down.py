"""Drill: the broker (Redis) stops in the middle of the line's work, and comes back."""

from __future__ import annotations

from sqlalchemy import select

from hotline.devtools import stack
from hotline.devtools.simulator import Caller, serve_file
from hotline.models import Recording, RecordingStatus, Ticket, Transcript
from tests.drills.conftest import DRILL, Drill, eventually, spoken
from tests.helpers import VOICEMAIL

pytestmark = DRILL


def transcribed(drill: Drill) -> int:
    """Recordings with a transcript."""
    with drill.session() as session:
        statuses = session.scalars(select(Recording.status)).all()
    return statuses.count(RecordingStatus.TRANSCRIBED)


def test_broker_down_during_a_call_the_caller_hears_the_same_and_the_job_runs_later(
    drill: Drill,
) -> None:
    line = drill.start()
    web = line.web()
    line.worker("drill")
    line.beat()
    simulator = drill.simulator()
    with serve_file(VOICEMAIL, drill.media_port) as url:
        caller = Caller(presses=["0"], volunteers=["no-answer"], voicemail=VOICEMAIL,
                        voicemail_url=url)  # fmt: skip
        before = simulator.run(caller)
        eventually(lambda: transcribed(drill) == 1, "the first voicemail transcribed")

        # Redis goes down while the volunteer's phone rings; the caller then leaves a voicemail.
        during = drill.simulator(on_ring=lambda seconds: drill.redis.stop()).run(caller)
        with drill.session() as session:
            left = session.scalars(
                select(Recording).where(Recording.recording_sid == during.recording_sid)
            ).one()
            assert (left.status, left.enqueued_at) == (RecordingStatus.AWAITING_DOWNLOAD, None)

        drill.redis.start(stack.REDIS_READY)
        # Beat's sweep (every minute) queues what the webhook could not; the worker reconnects.
        eventually(lambda: transcribed(drill) == 2, "the second voicemail transcribed", 180)

    assert spoken(during.lines) == spoken(before.lines)
    assert "line says" in during.lines[0] and any("(beep)" in ln for ln in during.lines)
    assert "failed for call" not in web.output()
    with drill.session() as session:
        assert len(session.scalars(select(Transcript.id)).all()) == 2
        texts = session.scalars(select(Ticket.transcript_text)).all()
        assert len(texts) == 2 and all(texts)
