"""Retention's beat job: delete the audio of reviewed voicemails past
HOTLINE_RECORDING_RETENTION_DAYS (hotline.recordings.retention decides and audits)."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from sqlalchemy.orm import Session

from hotline import locks
from hotline.extensions import database, now, settings
from hotline.recordings import retention

# Longer than any run takes; a worker that died mid-run blocks the next ones this long.
LOCK_TTL = timedelta(minutes=30)


def run_retention() -> retention.Swept | None:
    """One run under the `recordings.retention` lease (None: another run holds it, or
    retention is off)."""
    config = settings()
    if config.recording_retention_days <= 0:
        return None

    def job(session: Session, at: datetime) -> retention.Swept:
        return retention.sweep(
            session,
            at,
            days=config.recording_retention_days,
            recordings_dir=config.recordings_dir,
            commit=session.commit,
        )

    return locks.exclusive(database().sessions, "recordings.retention", LOCK_TTL, now, job)


@shared_task(name="hotline.tasks.retention.delete_expired_audio", acks_late=True, max_retries=0)
def delete_expired_audio() -> None:
    """Delete expired voicemail audio (idempotent: each recording is claimed once)."""
    run_retention()
