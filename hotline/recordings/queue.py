"""Queueing recordings and watching their download: kept apart from hotline.recordings so the
web side and the simulator never import the speech stack (Vosk, NumPy)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Recording, RecordingStatus


def mark_enqueued(session: Session, recording_id: int, now: datetime) -> None:
    """Remember that a job was queued for the recording, so the sweep leaves it alone."""
    recording = session.get(Recording, recording_id)
    if recording is not None:
        recording.enqueued_at = now


def download_settled(session: Session, recording_sid: str) -> bool:
    """True once the recording has left awaiting_download (stored, or given up on)."""
    status = session.scalar(
        select(Recording.status).where(Recording.recording_sid == recording_sid)
    )
    return status is not None and status is not RecordingStatus.AWAITING_DOWNLOAD
