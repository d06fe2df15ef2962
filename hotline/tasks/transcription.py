"""Transcription jobs (queue `transcription`): download a voicemail, then transcribe it; and
queueing them (webhooks, the sweep, the CLI) through the task itself."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from celery import Task, shared_task
from celery.signals import worker_init
from sqlalchemy.orm import Session

from hotline import locks
from hotline.extensions import database, now, settings, telephony
from hotline.ops import logcontext
from hotline.recordings import fetch as recording_fetch
from hotline.recordings import job
from hotline.recordings import queue as recording_queue
from hotline.recordings.files import NotReady
from hotline.settings import Settings
from transcripts import LoadedModel, ModelError, ModelLocation, load_model

logger = logging.getLogger(__name__)

# Download retries wait 5, 10, 20, 40, 80, 160 and 265 s: recordings can lag the carrier's
# callback, and after about ten minutes in all the recording fails (retryable from the CLI).
RETRY_BACKOFF_S = 5
RETRY_BACKOFF_MAX_S = 265
MAX_RETRIES = 7
# Longer than a sweep takes; a worker that died mid-sweep blocks the next ones this long.
SWEEP_LOCK_TTL = timedelta(minutes=5)

# Model problems this worker process has already logged: one clear line each, not one per job.
_reported: set[str] = set()


def _report_once(level: int, message: str) -> None:
    if message not in _reported:
        _reported.add(message)
        logger.log(level, "%s", message)


def _model_location(config: Settings) -> ModelLocation | None:
    """Where the configured speech model is, or None (logged once per process) if nowhere."""
    try:
        location = job.find_model(
            config.vosk_model, config.models_dir, packages=config.vosk_model_packages
        )
    except ModelError as exc:
        _report_once(
            logging.ERROR,
            f"HOTLINE_VOSK_MODEL is unusable ({exc}); voicemails wait in awaiting_model",
        )
        return None
    if location is None:
        # Not an error: a first run has no model until `make model`; the dashboard says so too.
        _report_once(
            logging.WARNING,
            f"no Vosk model (HOTLINE_VOSK_MODEL unset, none in {config.models_dir}): voicemails"
            " wait in awaiting_model until one is installed: run `make model`",
        )
    return location


def _model(config: Settings) -> LoadedModel | None:
    location = _model_location(config)
    if location is None:
        return None
    try:
        # Cached by the library: loaded once per worker process, on its first voicemail.
        return load_model(location.path)
    except ModelError as exc:
        _report_once(
            logging.ERROR, f"cannot load the Vosk model ({exc}); voicemails wait in awaiting_model"
        )
        return None


@shared_task(name="hotline.tasks.transcription.check_model")
def check_model() -> None:
    """Look for the speech model; a missing or unusable one is logged (once per process)."""
    _model_location(settings())


@worker_init.connect(weak=False, dispatch_uid="hotline.tasks.transcription.check_model")
def _check_model_at_start(sender: Any, **_: Any) -> None:
    """Say it as the worker starts, in its main process: the pool's processes are forked after
    this, so they know it was said, and the warning is one per start, not one per process."""
    sender.app.tasks[check_model.name]()  # run here, inside the app context, not queued


def job_tools(config: Settings) -> job.JobTools:
    """The job's adapters for these settings: carrier download, model, carrier deletion."""
    media = recording_fetch.MediaPolicy(
        hosts=config.media_hosts,
        auth=(
            (config.carrier_account_sid, config.carrier_auth_token)
            if config.carrier_account_sid
            else None
        ),
        allow_http=config.carrier_media_allow_http,
        max_bytes=config.recording_max_bytes,
        max_seconds=config.recording_download_seconds,
    )
    return job.JobTools(
        recordings_dir=config.recordings_dir,
        fetch=lambda url, dest: recording_fetch.download(url, dest, media),
        model=lambda: _model(config),
        delete_at_carrier=(
            telephony().delete_recording if config.delete_recordings_at_carrier else None
        ),
        vad=config.transcribe_vad,
        language=config.vosk_model_language or None,
        lease=timedelta(seconds=config.transcribe_lease_seconds),
    )


def run_job(recording_id: int, *, last_try: bool) -> job.JobResult:
    """Run the job on one recording in its own session (the task, or the CLI inline), its log
    lines carrying the recording's call SID and ticket."""
    with logcontext.for_recording(database().sessions, recording_id):
        with database().sessions() as session:
            result = job.process(
                session,
                recording_id,
                now,
                job_tools(settings()),
                last_try=last_try,
                commit=session.commit,
            )
            session.commit()
        logger.info("recording %s: %s (%s)", recording_id, result.status, result.detail)
    return result


@shared_task(
    name="hotline.tasks.transcription.process_recording",
    bind=True,
    acks_late=True,
    autoretry_for=(NotReady,),
    max_retries=MAX_RETRIES,
    retry_backoff=RETRY_BACKOFF_S,
    retry_backoff_max=RETRY_BACKOFF_MAX_S,
    retry_jitter=False,
)
def process_recording(self: Task, recording_id: int) -> None:
    """Download and transcribe one recording (idempotent; retried while the carrier lags)."""
    run_job(recording_id, last_try=self.request.retries >= MAX_RETRIES)


def enqueue_download(recording_id: int) -> bool:
    """Queue the job after the webhook committed; if the broker is down the beat sweep retries."""
    try:
        process_recording.delay(recording_id)
    except Exception:
        logger.exception("could not queue recording %s; the sweep will retry", recording_id)
        return False
    with database().sessions.begin() as session:
        recording_queue.mark_enqueued(session, recording_id, now())
    return True


@shared_task(name="hotline.tasks.transcription.sweep_recordings", acks_late=True)
def sweep_recordings() -> None:
    """Queue the job for recordings left behind: broker down, worker lost, model now installed."""

    def sweep(session: Session, at: datetime) -> str:
        due = recording_queue.due_for_queueing(
            session, at, model_available=_model_location(settings()) is not None
        )
        session.rollback()  # nothing stays open while the broker is asked
        queued = sum(enqueue_download(recording_id) for recording_id in due)
        return f"queued {queued} of {len(due)} recordings"

    locks.exclusive(database().sessions, "transcription.sweep", SWEEP_LOCK_TTL, now, sweep)
