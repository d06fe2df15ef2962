"""Which recordings need a job, and remembering that one was queued: queries and marks only,
no download and no speech stack (the web side, the sweep and the CLI use them)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from hotline.models import Recording, RecordingStatus
from hotline.recordings.files import stored_audio
from hotline.recordings.lease import lease_expired

S = RecordingStatus
# A queued job that has not moved its recording on within this time is presumed lost.
REQUEUE_AFTER = timedelta(minutes=15)
# Where a job picks a recording up (besides an abandoned `transcribing` one).
JOB_STARTS_FROM = (S.AWAITING_DOWNLOAD, S.DOWNLOADED, S.AWAITING_MODEL)


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


def awaiting_model_count(session: Session) -> int:
    """How many recordings wait for a speech model to be installed."""
    return session.scalar(select(func.count()).where(Recording.status == S.AWAITING_MODEL)) or 0


def due_for_queueing(session: Session, now: datetime, *, model_available: bool) -> list[int]:
    """Recordings needing a job: never queued (broker was down), queued long ago and stuck,
    abandoned mid-transcription (at once if not queued since its lease ran out: the worker died
    holding it), or waiting for a model when one is now installed."""
    not_queued_lately = or_(
        Recording.enqueued_at.is_(None), Recording.enqueued_at < now - REQUEUE_AFTER
    )
    waiting = and_(
        Recording.status.in_([S.AWAITING_DOWNLOAD, S.DOWNLOADED]),
        Recording.carrier_status == "completed",
        Recording.duration_s > 0,
    )
    wanted = [waiting]
    if model_available:
        wanted.append(Recording.status == S.AWAITING_MODEL)
    dead_worker = and_(
        lease_expired(now),
        or_(not_queued_lately, Recording.enqueued_at < Recording.lease_expires_at),
    )
    return list(
        session.scalars(
            select(Recording.id)
            .where(or_(and_(not_queued_lately, or_(*wanted)), dead_worker))
            .order_by(Recording.id)
        )
    )


def reopen_for_retry(
    session: Session,
    now: datetime,
    recordings_dir: Path,
    *,
    include_failed: bool,
    since: datetime | None,
) -> list[int]:
    """Recordings the job should run on again: pending ones and, if asked, failed ones (which
    go back to where their job restarts)."""
    pending = or_(Recording.status.in_(JOB_STARTS_FROM), lease_expired(now))
    statuses = or_(pending, Recording.status == S.FAILED) if include_failed else pending
    query = select(Recording).where(
        statuses, Recording.carrier_status == "completed", Recording.duration_s > 0
    )
    if since is not None:
        query = query.where(Recording.created_at >= since)
    found = session.scalars(query.order_by(Recording.id)).all()
    for recording in found:
        if recording.status is S.FAILED:
            stored = stored_audio(recording, recordings_dir) is not None
            recording.status = S.DOWNLOADED if stored else S.AWAITING_DOWNLOAD
            recording.failure_reason = None
            recording.updated_at = now
    return [recording.id for recording in found]


def transcribed_since(session: Session, since: datetime) -> list[int]:
    """Transcribed recordings that came in at or after `since`, oldest first."""
    return list(
        session.scalars(
            select(Recording.id)
            .where(Recording.status == S.TRANSCRIBED, Recording.created_at >= since)
            .order_by(Recording.id)
        )
    )
