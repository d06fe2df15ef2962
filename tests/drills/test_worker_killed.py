"""Drill: a worker is killed (SIGKILL, with its pool) in the middle of a transcription."""

from __future__ import annotations

import wave
from pathlib import Path

from sqlalchemy import select

from hotline.devtools.simulator import Caller, serve_file
from hotline.models import Recording, RecordingStatus, Ticket, Transcript
from tests.drills.conftest import DRILL, Drill, eventually
from tests.helpers import VOICEMAIL

pytestmark = DRILL

# The lease the drill's line runs with: a dead worker's voicemail is taken over soon after.
LEASE_S = 4


def long_voicemail(path: Path, repeats: int = 16) -> Path:
    """The 5 s clip said `repeats` times over: long enough to be killed in the middle of."""
    with wave.open(str(VOICEMAIL), "rb") as clip:
        params, frames = clip.getparams(), clip.readframes(clip.getnframes())
    with wave.open(str(path), "wb") as out:
        out.setparams(params)
        out.writeframes(frames * repeats)
    return path


def status(drill: Drill) -> RecordingStatus | None:
    with drill.session() as session:
        return session.scalar(select(Recording.status))


def test_a_voicemail_whose_worker_was_killed_is_transcribed_once_after_restart(
    drill: Drill,
) -> None:
    line = drill.start(transcribe_lease_seconds=str(LEASE_S))
    line.web()
    worker = line.worker("drill")
    line.beat()
    clip = long_voicemail(drill.workdir / "long.wav")
    with serve_file(clip, drill.media_port) as url:
        drill.simulator().run(
            Caller(presses=["0"], volunteers=["no-answer"], voicemail=clip, voicemail_url=url)
        )
        eventually(lambda: status(drill) is RecordingStatus.TRANSCRIBING, "decoding started")
        worker.kill()
        with drill.session() as session:
            recording = session.scalars(select(Recording)).one()
            assert recording.status is RecordingStatus.TRANSCRIBING  # killed mid-decode
            assert session.scalars(select(Transcript.id)).all() == []

        worker.start(" ready.")
        # Once the lease runs out, beat's sweep (every minute) queues it for the new worker.
        eventually(lambda: status(drill) is RecordingStatus.TRANSCRIBED, "transcribed", 180)

    with drill.session() as session:
        recording = session.scalars(select(Recording)).one()
        assert recording.attempts == 3  # the download, the killed decode, the decode
        assert recording.lease_holder is None
        assert len(session.scalars(select(Transcript.id)).all()) == 1
        assert session.scalars(select(Ticket.transcript_text)).one()
