"""Voicemail recordings on their way to a transcript: queueing and the status machine."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.models import Recording, RecordingStatus

# A queued job that has not moved its recording on within this time is presumed lost.
REQUEUE_AFTER = timedelta(minutes=15)


def mark_enqueued(session: Session, recording_id: int, now: datetime) -> None:
    """Remember that a job was queued for the recording, so the sweep leaves it alone."""
    recording = session.get(Recording, recording_id)
    if recording is not None:
        recording.enqueued_at = now


def due_for_queueing(session: Session, now: datetime) -> list[int]:
    """Recordings waiting for a job: never queued (broker was down) or queued long ago."""
    return list(
        session.scalars(
            select(Recording.id).where(
                Recording.status.in_(
                    [RecordingStatus.AWAITING_DOWNLOAD, RecordingStatus.DOWNLOADED]
                ),
                Recording.carrier_status == "completed",
                Recording.duration_s > 0,
                or_(Recording.enqueued_at.is_(None), Recording.enqueued_at < now - REQUEUE_AFTER),
            )
        )
    )
