"""Which recordings have a job queued: kept apart from hotline.recordings so the web side,
which only queues, never imports the speech stack (Vosk, NumPy)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotline.models import Recording


def mark_enqueued(session: Session, recording_id: int, now: datetime) -> None:
    """Remember that a job was queued for the recording, so the sweep leaves it alone."""
    recording = session.get(Recording, recording_id)
    if recording is not None:
        recording.enqueued_at = now
