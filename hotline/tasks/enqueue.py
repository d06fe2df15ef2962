"""Queueing jobs by task name, so web processes never import the workers' code."""

from __future__ import annotations

import logging

from flask import current_app

from hotline.extensions import database, now
from hotline.recordings import queue as recording_queue

logger = logging.getLogger(__name__)

PROCESS_RECORDING = "hotline.tasks.transcription.process_recording"


def enqueue_download(recording_id: int) -> bool:
    """Queue the job after the webhook committed; if the broker is down the beat sweep retries."""
    try:
        current_app.extensions["celery"].send_task(PROCESS_RECORDING, args=[recording_id])
    except Exception:
        logger.exception("could not queue recording %s; the sweep will retry", recording_id)
        return False
    with database().sessions.begin() as session:
        recording_queue.mark_enqueued(session, recording_id, now())
    return True
