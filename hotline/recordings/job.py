"""The transcription job: download a voicemail into the store, then transcribe it.

A Celery task runs it, or the CLI inline. Every step is idempotent: a duplicate or redelivered
job finds the work done and changes nothing.
Every write is a conditional UPDATE on the row's status and attempts (`_transition`), so only
one worker claims a recording for transcribing. The claim is a lease (hotline.recordings.lease),
renewed while the worker decodes; once it expires another job may take the recording over, and
the worker that lost it stops and saves nothing. The caller owns the transaction; `commit`
commits between the slow steps, so no database lock is held while downloading or decoding.
The download itself comes in through `JobTools.fetch` (the adapter is hotline.recordings.fetch).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from hotline import triage
from hotline.models import Recording, RecordingStatus, Ticket, Transcript
from hotline.recordings.files import (
    DownloadFailed,
    NotReady,
    StoredFile,
    storage_path,
    stored_audio,
)
from hotline.recordings.lease import TRANSCRIBE_LEASE, Clock, Lease, LeaseLost, abandoned
from hotline.recordings.queue import JOB_STARTS_FROM
from hotline.telephony import TelephonyError
from hotline.tickets.lifecycle import attach_transcript
from transcripts import AudioError, LoadedModel, ModelLocation, resolve_model, transcribe

logger = logging.getLogger(__name__)

# A recording that keeps killing its worker mid-decode is not taken over past this many tries
# (downloads included), so it ends `failed` instead of looping.
MAX_ATTEMPTS = 12
# The lease columns of a recording no job holds.
_RELEASED: dict[str, Any] = {"lease_holder": None, "lease_expires_at": None}
# Carrier SIDs become file names: letters and digits only, never a path.
_SID = re.compile(r"[A-Za-z0-9]{1,64}")

S = RecordingStatus


@dataclass(frozen=True)
class JobTools:
    """The outside world of the job, passed in by its caller."""

    recordings_dir: Path
    # (RecordingUrl, destination) -> the stored file; raises NotReady or DownloadFailed.
    fetch: Callable[[str, Path], StoredFile]
    # The speech model, or None while none is installed.
    model: Callable[[], LoadedModel | None]
    # Deletes the carrier's copy by recording SID; None keeps it.
    delete_at_carrier: Callable[[str], None] | None = None
    # Decode only the speech regions (HOTLINE_TRANSCRIBE_VAD).
    vad: bool = True
    # The transcripts' language (HOTLINE_VOSK_MODEL_LANGUAGE); None: the model's own.
    language: str | None = None
    # How long a claim outlives its worker's last renewal (HOTLINE_TRANSCRIBE_LEASE_SECONDS).
    lease: timedelta = TRANSCRIBE_LEASE


@dataclass(frozen=True)
class JobResult:
    """Where one run of the job left a recording."""

    recording_id: int
    status: RecordingStatus | None  # None: there is no such recording
    detail: str


def find_model(explicit: Path | None, models_dir: Path, *, packages: bool) -> ModelLocation | None:
    """The model to use: `explicit` (ModelError if it is not one), else one in `models_dir`,
    else an installed model package if `packages`."""
    location = resolve_model(explicit, models_dir)
    # A package is the last resort of resolve_model: refusing it refuses only that fallback.
    if location is not None and location.source.startswith("package ") and not packages:
        return None
    return location


def process(
    session: Session,
    recording_id: int,
    clock: Clock,
    tools: JobTools,
    *,
    last_try: bool,
    commit: Callable[[], None],
) -> JobResult:
    """Download the recording if needed, then transcribe it (idempotent); while the carrier
    lags, raises NotReady with the attempt committed, unless `last_try` (then it fails)."""
    recording = session.get(Recording, recording_id)
    if recording is None:
        return JobResult(recording_id, None, "no such recording")
    if recording.status in (S.TRANSCRIBED, S.FAILED):
        return _result(recording, "nothing to do")
    if recording.status is S.TRANSCRIBING:
        if not abandoned(recording, clock()):
            return _result(recording, "another worker is transcribing it")
        if recording.attempts >= MAX_ATTEMPTS:
            reason = f"gave up after {recording.attempts} attempts"
            _transition(
                session, recording, clock, status=S.FAILED, failure_reason=reason, **_RELEASED
            )
            return _result(recording, "abandoned too often")
    audio = stored_audio(recording, tools.recordings_dir)
    if audio is None:
        downloaded = _download(session, recording, clock, tools, last_try, commit)
        if isinstance(downloaded, JobResult):
            return downloaded
        audio = downloaded
    model = tools.model()
    if model is None:
        # No job stays queued for it: the sweep queues one once a model is installed.
        _transition(
            session,
            recording,
            clock,
            status=S.AWAITING_MODEL,
            failure_reason=None,
            enqueued_at=None,
        )
        return _result(recording, "no speech model installed")
    return _transcribe(
        session,
        recording,
        audio,
        clock,
        model,
        commit,
        vad=tools.vad,
        language=tools.language,
        lease_duration=tools.lease,
    )


def retranscribe(
    session: Session,
    recording_id: int,
    clock: Clock,
    model: LoadedModel,
    recordings_dir: Path,
    *,
    commit: Callable[[], None],
    vad: bool = True,
    language: str | None = None,
    progress: Callable[[float], None] | None = None,
) -> JobResult:
    """Transcribe a stored recording again (e.g. with a better model); older transcripts stay
    as history. `progress` hears the position reached in the recording, in seconds."""
    recording = session.get(Recording, recording_id)
    if recording is None:
        return JobResult(recording_id, None, "no such recording")
    audio = stored_audio(recording, recordings_dir)
    if audio is None:
        return _result(recording, "no stored audio")
    return _transcribe(
        session,
        recording,
        audio,
        clock,
        model,
        commit,
        starts_from=(S.TRANSCRIBED,),
        vad=vad,
        language=language,
        progress=progress,
    )


def _result(recording: Recording, detail: str) -> JobResult:
    return JobResult(recording.id, recording.status, detail)


def _transition(session: Session, recording: Recording, clock: Clock, **values: Any) -> bool:
    """Write `values` and a fresh updated_at unless the row's status or attempts changed since
    we read them; the recording is re-read either way."""
    # Status and attempts change only here, so together they version the row: two jobs on one
    # recording never both make the same move, and a job that lost its claim writes nothing.
    moved = cast(
        CursorResult[Any],
        session.execute(
            update(Recording)
            .where(
                Recording.id == recording.id,
                Recording.status == recording.status,
                Recording.attempts == recording.attempts,
            )
            .values(updated_at=clock(), **values)
            .execution_options(synchronize_session=False)
        ),
    )
    session.refresh(recording)
    if moved.rowcount and recording.status is S.FAILED:
        logger.warning("recording %s failed: %s", recording.id, recording.failure_reason)
    return bool(moved.rowcount)


def _download(
    session: Session,
    recording: Recording,
    clock: Clock,
    tools: JobTools,
    last_try: bool,
    commit: Callable[[], None],
) -> Path | JobResult:
    """Fetch the audio into the store: its path, or a JobResult if the job stops here."""
    if not _transition(session, recording, clock, attempts=Recording.attempts + 1):
        return _result(recording, "another job moved it on")
    if not recording.url or not _SID.fullmatch(recording.recording_sid):
        reason = "download: no usable RecordingUrl or RecordingSid"
        _transition(session, recording, clock, status=S.FAILED, failure_reason=reason)
        return _result(recording, "cannot download")
    # The attempt is committed before the download starts: no transaction (on SQLite, the one
    # writers' lock every webhook needs) stays open while the carrier's media server is slow.
    commit()
    relative = storage_path(recording)
    try:
        stored = tools.fetch(recording.url, tools.recordings_dir / relative)
    except NotReady as exc:
        if last_try:
            reason = f"download: {exc}; gave up retrying"
            _transition(session, recording, clock, status=S.FAILED, failure_reason=reason)
            return _result(recording, "the carrier never had the file")
        # The caller queues a retry at once, so the sweep must not queue another.
        reason = f"waiting for the carrier: {exc}"
        _transition(session, recording, clock, failure_reason=reason, enqueued_at=clock())
        commit()
        raise
    except DownloadFailed as exc:
        reason = f"download refused: {exc}"
        _transition(session, recording, clock, status=S.FAILED, failure_reason=reason)
        return _result(recording, "the carrier refused the download")
    if not _transition(
        session,
        recording,
        clock,
        status=S.DOWNLOADED,
        failure_reason=None,
        local_path=relative.as_posix(),
        sha256=stored.sha256,
        size_bytes=stored.size_bytes,
    ):
        return _result(recording, "another job moved it on")
    commit()
    if tools.delete_at_carrier is not None:
        try:
            tools.delete_at_carrier(recording.recording_sid)
        except TelephonyError as exc:
            # Ours is stored safely; a copy left at the carrier is an operator's chore, not a loss.
            logger.warning(
                "recording %s: could not delete the carrier's copy: %s", recording.id, exc
            )
    return stored.path


def _transcribe(
    session: Session,
    recording: Recording,
    audio: Path,
    clock: Clock,
    model: LoadedModel,
    commit: Callable[[], None],
    starts_from: Collection[RecordingStatus] = JOB_STARTS_FROM,
    *,
    vad: bool = True,
    language: str | None = None,
    progress: Callable[[float], None] | None = None,
    lease_duration: timedelta = TRANSCRIBE_LEASE,
) -> JobResult:
    """Claim, decode, and save the transcript as the current one; the ticket gets its text.
    A truncated file is transcribed as far as it goes and the recording flagged."""
    claimed_at = clock()
    lease = Lease(
        session, recording.id, uuid.uuid4().hex, clock, commit, claimed_at, lease_duration
    )
    claimable = recording.status in starts_from or abandoned(recording, claimed_at)
    if not claimable or not _transition(
        session,
        recording,
        clock,
        status=S.TRANSCRIBING,
        attempts=Recording.attempts + 1,
        lease_holder=lease.holder,
        lease_expires_at=lease.expires_at,
    ):
        return _result(recording, "another worker has it")
    commit()
    try:

        def report(position_s: float) -> None:
            lease.renew_if_due(position_s)
            if progress is not None:
                progress(position_s)

        transcript = transcribe(audio, model, language=language, vad=vad, progress=report)
    except LeaseLost:
        return _result(recording, "another worker took it over; decoding stopped")
    except AudioError as exc:
        reason = f"audio unreadable: {exc}"
        _transition(session, recording, clock, status=S.FAILED, failure_reason=reason, **_RELEASED)
        return _result(recording, "audio unreadable")
    if transcript.truncated:
        logger.warning(
            "recording %s: the file ends before its header says; transcribed %.1f s of it",
            recording.id,
            transcript.duration_s,
        )
    if not _transition(
        session,
        recording,
        clock,
        status=S.TRANSCRIBED,
        failure_reason=None,
        truncated=transcript.truncated,
        **_RELEASED,
    ):
        return _result(recording, "another worker took it over; result dropped")
    session.execute(
        update(Transcript)
        .where(Transcript.recording_id == recording.id, Transcript.current.is_(True))
        .values(current=False)
        .execution_options(synchronize_session=False)
    )
    session.add(
        Transcript(
            recording_id=recording.id,
            current=True,
            text=transcript.text,
            words=[asdict(word) for word in transcript.words],
            confidence=transcript.confidence,
            audio_duration_s=transcript.duration_s,
            model_name=transcript.model_name,
            language=transcript.language,
            decode_seconds=transcript.decode_seconds,
            created_at=clock(),
        )
    )
    ticket = session.scalars(select(Ticket).where(Ticket.recording_id == recording.id)).first()
    if ticket is not None:
        attach_transcript(ticket, transcript.text)
    session.flush()
    triage.apply(session, recording, transcript.text, clock())  # the alert task follows the job
    return _result(
        recording,
        f"{len(transcript.text)} characters by {transcript.model_name}"
        f" ({transcript.decoded_s:.1f} of {transcript.duration_s:.1f} s decoded)"
        + (", file truncated" if transcript.truncated else ""),
    )
