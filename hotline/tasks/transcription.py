"""Transcription jobs (queue `transcription`): download a voicemail, then transcribe it."""

from __future__ import annotations

import logging

from celery import shared_task

from hotline import recordings
from hotline.db import utcnow
from hotline.extensions import database

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, max_retries=5)
def process_recording(recording_id: int) -> None:
    """Download and transcribe one recording (idempotent)."""


def enqueue_download(recording_id: int) -> bool:
    """Queue the job after the webhook committed; if the broker is down the beat sweep retries."""
    try:
        process_recording.delay(recording_id)
    except Exception:
        logger.exception("could not queue recording %s; the sweep will retry", recording_id)
        return False
    with database().sessions.begin() as session:
        recordings.mark_enqueued(session, recording_id, utcnow())
    return True
