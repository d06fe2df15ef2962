"""The transcription job and sweep, called as functions: a local recordings host, the real model."""

from __future__ import annotations

import hashlib
import io
import logging
import socket
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from celery.exceptions import Retry
from celery.signals import worker_init
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import tickets
from hotline.db import utcnow
from hotline.devtools.simulator import Caller, Simulator
from hotline.models import Recording, RecordingStatus, Transcript
from hotline.recordings import fetch as recording_fetch
from hotline.recordings import files, job
from hotline.recordings import queue as recording_queue
from hotline.recordings.files import DownloadFailed, NotReady
from hotline.tasks.transcription import (
    MAX_RETRIES,
    enqueue_download,
    process_recording,
    sweep_recordings,
)
from hotline.telephony import FakeTelephony, TelephonyError
from tests import factories
from tests.conftest import ACCOUNT_SID
from tests.helpers import (
    SHORT_ZH,
    VOICEMAIL,
    WAITING_SUMMARY,
    RecordingsHost,
    fresh,
    media_policy,
    queued_jobs,
    ticket_of,
    tools,
    voicemail,
)
from transcripts import LoadedModel, transcribe

S = RecordingStatus


def silent_wav(seconds: float = 2.0) -> bytes:
    """A telephone-rate WAV of digital silence."""
    out = io.BytesIO()
    sf.write(out, np.zeros(int(8000 * seconds), np.int16), 8000, "PCM_16", format="WAV")
    return out.getvalue()


def run_domain(
    app: Flask,
    recording_id: int,
    job_tools: job.JobTools,
    after_commit: Callable[[], None] = lambda: None,
) -> job.JobResult:
    """Run the job's domain function in a session of its own, as the task does."""
    with app.extensions["hotline.db"].sessions() as session:

        def commit() -> None:
            session.commit()
            after_commit()

        result = job.process(
            session, recording_id, utcnow, job_tools, last_try=False, commit=commit
        )
        session.commit()
    return result


# --- downloading ---------------------------------------------------------------------------


def test_download_is_retried_until_the_carrier_has_the_file(
    app: Flask, session: Session, host: RecordingsHost, short_zh: bytes, model: LoadedModel
) -> None:
    recording = voicemail(session, host, short_zh)
    host.failures = [404, 404]

    for _ in range(2):
        with pytest.raises(NotReady, match="HTTP 404"):
            process_recording(recording.id)
        row = fresh(session, recording)
        assert row.status is S.AWAITING_DOWNLOAD
        assert row.failure_reason and "HTTP 404" in row.failure_reason
    process_recording(recording.id)

    row = fresh(session, recording)
    assert row.status is S.TRANSCRIBED
    assert row.failure_reason is None
    assert row.attempts == 4  # three downloads, one transcription
    created = row.created_at
    assert row.local_path == f"{created:%Y}/{created:%m}/{row.recording_sid}.wav"
    stored = app.extensions["hotline.settings"].recordings_dir / row.local_path
    assert stored.read_bytes() == short_zh
    assert row.sha256 == hashlib.sha256(short_zh).hexdigest()
    assert row.size_bytes == len(short_zh)
    assert host.requests == [f"/Recordings/{row.recording_sid}.wav"] * 3
    expected = transcribe(SHORT_ZH, model).text
    assert session.scalars(select(Transcript.text)).all() == [expected]


def test_retries_back_off_for_about_ten_minutes_then_fail(
    session: Session, host: RecordingsHost, short_zh: bytes
) -> None:
    recording = voicemail(session, host, short_zh)
    host.failures = [503] * (MAX_RETRIES + 1)

    countdowns = []
    for retries in range(MAX_RETRIES):
        # As a worker runs a redelivered retry: not called directly, `retries` so far.
        process_recording.push_request(retries=retries, called_directly=False, args=[recording.id])
        try:
            with pytest.raises(Retry) as retry:
                process_recording(recording.id)
        finally:
            process_recording.pop_request()
        countdowns.append(retry.value.when)
    assert fresh(session, recording).status is S.AWAITING_DOWNLOAD

    process_recording.push_request(retries=MAX_RETRIES, called_directly=False)
    try:
        process_recording(recording.id)  # the last try fails the recording instead of raising
    finally:
        process_recording.pop_request()

    assert countdowns == [5, 10, 20, 40, 80, 160, 265]
    assert 9 * 60 <= sum(countdowns) <= 11 * 60
    row = fresh(session, recording)
    assert row.status is S.FAILED
    assert row.failure_reason is not None and "HTTP 503" in row.failure_reason
    assert row.attempts == MAX_RETRIES + 1


def test_download_sends_the_carrier_credentials(
    host: RecordingsHost, short_zh: bytes, tmp_path: Path
) -> None:
    url = host.publish("RE1", short_zh)
    dest = tmp_path / "RE1.wav"

    with pytest.raises(DownloadFailed, match="HTTP 401"):
        recording_fetch.download(url, dest, media_policy(host, auth=(ACCOUNT_SID, "wrong-t")))
    assert not dest.exists()
    stored = recording_fetch.download(url, dest, media_policy(host))

    assert stored == files.StoredFile(dest, hashlib.sha256(short_zh).hexdigest(), len(short_zh))
    assert dest.read_bytes() == short_zh


@pytest.mark.parametrize(
    "break_host",
    [
        pytest.param(lambda host: setattr(host, "truncate", True), id="cut-mid-body"),
        pytest.param(lambda host: host.failures.append(502), id="bad-gateway"),
        pytest.param(lambda host: setattr(host, "base_url", "http://127.0.0.1:1"), id="refused"),
    ],
)
def test_failed_download_leaves_no_file(
    host: RecordingsHost,
    short_zh: bytes,
    tmp_path: Path,
    break_host: Callable[[RecordingsHost], None],
) -> None:
    break_host(host)
    url = host.publish("RE1", short_zh)

    with pytest.raises(NotReady):
        recording_fetch.download(url, tmp_path / "store" / "RE1.wav", media_policy(host))

    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []


def test_refused_download_fails_at_once(
    make_app: Callable[..., Flask], session: Session, host: RecordingsHost, short_zh: bytes
) -> None:
    make_app(carrier_auth_token="not-the-token")
    recording = voicemail(session, host, short_zh)

    process_recording(recording.id)

    row = fresh(session, recording)
    assert row.status is S.FAILED
    assert row.failure_reason == (
        f"download refused: HTTP 401 from {host.base_url}/Recordings/{row.recording_sid}.wav"
    )
    assert row.attempts == 1
    assert ticket_of(session, recording).summary == WAITING_SUMMARY


def test_carrier_copy_is_deleted_once_stored(
    make_app: Callable[..., Flask],
    session: Session,
    host: RecordingsHost,
    short_zh: bytes,
    telephony: FakeTelephony,
    model: LoadedModel,
) -> None:
    make_app(vosk_model=model.path, delete_recordings_at_carrier=True)
    recording = voicemail(session, host, short_zh)

    process_recording(recording.id)
    process_recording(recording.id)

    assert telephony.deleted_recordings == [recording.recording_sid]
    assert fresh(session, recording).status is S.TRANSCRIBED


def test_carrier_refusing_the_deletion_is_only_logged(
    app: Flask,
    session: Session,
    host: RecordingsHost,
    short_zh: bytes,
    model: LoadedModel,
    caplog: pytest.LogCaptureFixture,
) -> None:
    recording = voicemail(session, host, short_zh)

    def refuse(sid: str) -> None:
        raise TelephonyError(f"deleting recording {sid} failed: HTTP 500")

    result = run_domain(app, recording.id, tools(app, model, delete_at_carrier=refuse))

    assert result.status is S.TRANSCRIBED
    assert "could not delete the carrier's copy" in caplog.text


# --- idempotency and claims -----------------------------------------------------------------


def test_duplicate_delivery_changes_nothing(
    session: Session, host: RecordingsHost, short_zh: bytes
) -> None:
    recording = voicemail(session, host, short_zh)
    process_recording(recording.id)
    row = fresh(session, recording)
    before = {c.key: getattr(row, c.key) for c in Recording.__table__.columns}
    ticket = ticket_of(session, recording)
    ticket_before = (ticket.summary, ticket.transcript_text)

    process_recording(recording.id)  # a duplicate, or a redelivery after a worker crash

    row = fresh(session, recording)
    assert {c.key: getattr(row, c.key) for c in Recording.__table__.columns} == before
    assert session.scalar(select(func.count()).select_from(Transcript)) == 1
    ticket = ticket_of(session, recording)
    assert (ticket.summary, ticket.transcript_text) == ticket_before
    assert len(host.requests) == 1


def test_second_claim_loses(
    app: Flask, session: Session, host: RecordingsHost, short_zh: bytes, model: LoadedModel
) -> None:
    recording = voicemail(session, host, short_zh)
    results: list[job.JobResult] = []

    def other_worker_first() -> LoadedModel:
        # Job A has the file and its model, and is about to claim: job B gets there first.
        results.append(run_domain(app, recording.id, tools(app, model)))
        return model

    results.append(run_domain(app, recording.id, tools(app, model, model=other_worker_first)))

    assert [(r.status, r.detail) for r in results] == [
        (S.TRANSCRIBED, results[0].detail),
        (S.TRANSCRIBED, "another worker has it"),
    ]
    assert session.scalar(select(func.count()).select_from(Transcript)) == 1
    assert fresh(session, recording).attempts == 2  # one download, one transcription


def test_job_leaves_a_recording_another_worker_is_transcribing(
    app: Flask, session: Session, host: RecordingsHost, short_zh: bytes, model: LoadedModel
) -> None:
    recording = voicemail(session, host, short_zh)
    seen: list[job.JobResult] = []

    def while_decoding() -> None:
        if fresh(session, recording).status is S.TRANSCRIBING and not seen:
            seen.append(run_domain(app, recording.id, tools(app, model)))

    result = run_domain(app, recording.id, tools(app, model), after_commit=while_decoding)

    assert [(r.status, r.detail) for r in seen] == [
        (S.TRANSCRIBING, "another worker is transcribing it")
    ]
    assert result.status is S.TRANSCRIBED
    assert session.scalar(select(func.count()).select_from(Transcript)) == 1


def test_abandoned_transcription_is_taken_over_after_the_lease(
    app: Flask, session: Session, host: RecordingsHost, short_zh: bytes, model: LoadedModel
) -> None:
    recording = voicemail(session, host, short_zh)
    run_domain(app, recording.id, tools(app, None))  # stored, waiting for a model
    row = fresh(session, recording)
    row.status = S.TRANSCRIBING  # its worker died mid-decode, its lease ran out
    row.lease_holder = "a-dead-worker"
    row.lease_expires_at = utcnow() - timedelta(seconds=1)
    session.commit()

    result = run_domain(app, recording.id, tools(app, model))

    assert result.status is S.TRANSCRIBED
    assert session.scalar(select(func.count()).select_from(Transcript)) == 1


def test_late_result_of_a_taken_over_job_is_dropped(
    app: Flask, session: Session, host: RecordingsHost, short_zh: bytes, model: LoadedModel
) -> None:
    recording = voicemail(session, host, short_zh)

    def taken_over_while_decoding() -> None:
        row = fresh(session, recording)
        if row.status is S.TRANSCRIBING:
            row.attempts += 1  # another worker's claim, once the lease ran out
            session.commit()

    result = run_domain(
        app, recording.id, tools(app, model), after_commit=taken_over_while_decoding
    )

    assert (result.status, result.detail) == (
        S.TRANSCRIBING,
        "another worker took it over; result dropped",
    )
    assert session.scalar(select(func.count()).select_from(Transcript)) == 0


def test_recording_that_keeps_killing_workers_fails(
    app: Flask, session: Session, host: RecordingsHost, short_zh: bytes
) -> None:
    recording = voicemail(
        session,
        host,
        short_zh,
        status=S.TRANSCRIBING,
        attempts=job.MAX_ATTEMPTS,
        lease_holder="a-dead-worker",
        lease_expires_at=utcnow() - timedelta(seconds=1),
    )

    process_recording(recording.id)

    row = fresh(session, recording)
    assert row.status is S.FAILED
    assert row.failure_reason == f"gave up after {job.MAX_ATTEMPTS} attempts"


# --- the status machine ---------------------------------------------------------------------


def test_status_machine_through_every_state(
    app: Flask, session: Session, host: RecordingsHost, short_zh: bytes, model: LoadedModel
) -> None:
    recording = voicemail(session, host, short_zh)
    seen: list[tuple[RecordingStatus, int]] = []
    stamps = [fresh(session, recording).updated_at]

    def watch() -> None:
        row = fresh(session, recording)
        seen.append((row.status, row.attempts))
        stamps.append(row.updated_at)

    waiting = run_domain(app, recording.id, tools(app, None), after_commit=watch)
    row = fresh(session, recording)
    seen.append((row.status, row.attempts))
    stamps.append(row.updated_at)
    done = run_domain(app, recording.id, tools(app, model), after_commit=watch)
    row = fresh(session, recording)
    seen.append((row.status, row.attempts))
    stamps.append(row.updated_at)

    assert (waiting.status, waiting.detail) == (S.AWAITING_MODEL, "no speech model installed")
    assert done.status is S.TRANSCRIBED
    assert seen == [
        (S.AWAITING_DOWNLOAD, 1),  # the attempt, committed before the download
        (S.DOWNLOADED, 1),
        (S.AWAITING_MODEL, 1),
        (S.TRANSCRIBING, 2),
        (S.TRANSCRIBED, 2),
    ]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert len(host.requests) == 1  # the stored file was used the second time


def test_without_a_model_recordings_wait_and_the_worker_warns_once(
    make_app: Callable[..., Flask],
    session: Session,
    host: RecordingsHost,
    short_zh: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Nothing configured, an empty models dir, and the dev model package not allowed.
    make_app(vosk_model=None, vosk_model_packages=False)
    first, second = voicemail(session, host, short_zh), voicemail(session, host, short_zh)

    with caplog.at_level(logging.DEBUG):
        process_recording(first.id)
        process_recording(second.id)

    for recording in (first, second):
        row = fresh(session, recording)
        assert (row.status, row.enqueued_at, row.sha256) == (
            S.AWAITING_MODEL,
            None,
            hashlib.sha256(short_zh).hexdigest(),
        )
    # One warning for the start, naming the fix; no error, and nothing per recording above INFO.
    loud = [(r.levelno, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(loud) == 1
    assert loud[0][0] == logging.WARNING
    assert "no Vosk model" in loud[0][1] and "`make model`" in loud[0][1]
    assert ticket_of(session, first).summary == WAITING_SUMMARY


class StartingWorker:
    """What worker_init is sent with: the worker (only its Celery app is read)."""

    def __init__(self, app: object) -> None:
        self.app = app


def test_the_worker_says_it_as_it_starts_and_not_again_per_recording(
    make_app: Callable[..., Flask],
    session: Session,
    host: RecordingsHost,
    short_zh: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(vosk_model=None, vosk_model_packages=False)
    recording = voicemail(session, host, short_zh)

    with caplog.at_level(logging.DEBUG):
        # What Celery does in the worker's main process before it forks the pool.
        worker_init.send(sender=StartingWorker(app.extensions["celery"]))
        at_start = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        process_recording(recording.id)

    assert len(at_start) == 1 and "no Vosk model" in at_start[0]
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1  # not again
    assert fresh(session, recording).status is S.AWAITING_MODEL


def test_unusable_configured_model_also_waits(
    make_app: Callable[..., Flask],
    session: Session,
    host: RecordingsHost,
    short_zh: bytes,
    tmp_path: Path,
) -> None:
    make_app(vosk_model=tmp_path / "no-such-model")
    recording = voicemail(session, host, short_zh)

    process_recording(recording.id)

    assert fresh(session, recording).status is S.AWAITING_MODEL


def test_corrupt_audio_fails_and_the_ticket_stays(session: Session, host: RecordingsHost) -> None:
    recording = voicemail(session, host, b"RIFF\x10\x00\x00\x00WAVEjunk" + bytes(200))

    process_recording(recording.id)

    row = fresh(session, recording)
    assert row.status is S.FAILED
    assert row.failure_reason is not None
    assert row.failure_reason.startswith("audio unreadable: ")
    assert session.scalar(select(func.count()).select_from(Transcript)) == 0
    ticket = ticket_of(session, recording)
    assert (ticket.summary, ticket.transcript_text) == (WAITING_SUMMARY, "")


def test_silence_gives_an_empty_transcript_and_a_clear_summary(
    session: Session, host: RecordingsHost
) -> None:
    recording = voicemail(session, host, silent_wav())

    process_recording(recording.id)

    assert fresh(session, recording).status is S.TRANSCRIBED
    transcript = session.scalars(select(Transcript)).one()
    assert (transcript.text, transcript.words, transcript.audio_duration_s) == ("", [], 2.0)
    ticket = ticket_of(session, recording)
    assert (ticket.summary, ticket.transcript_text) == ("留言无可识别语音，请回电", "")


def test_reprocessing_keeps_older_transcripts_as_history(
    app: Flask, session: Session, host: RecordingsHost, short_zh: bytes, model: LoadedModel
) -> None:
    recording = voicemail(session, host, short_zh)
    process_recording(recording.id)

    with app.extensions["hotline.db"].sessions() as worker:
        result = job.retranscribe(
            worker,
            recording.id,
            utcnow,
            model,
            app.extensions["hotline.settings"].recordings_dir,
            commit=worker.commit,
        )
        worker.commit()

    assert result.status is S.TRANSCRIBED
    rows = session.scalars(select(Transcript).order_by(Transcript.id)).all()
    assert [t.current for t in rows] == [False, True]
    assert rows[0].text == rows[1].text
    assert ticket_of(session, recording).transcript_text == rows[1].text


# --- queueing and the sweep -----------------------------------------------------------------


def test_broker_down_leaves_the_recording_for_the_sweep(
    make_app: Callable[..., Flask], session: Session, host: RecordingsHost, short_zh: bytes
) -> None:
    down = make_app(broker_url="redis://127.0.0.1:1")
    recording = voicemail(session, host, short_zh)

    with down.app_context():
        assert enqueue_download(recording.id) is False
    assert fresh(session, recording).enqueued_at is None

    up = make_app()
    queued_jobs(up)
    sweep_recordings()

    assert queued_jobs(up) == [recording.id]
    assert fresh(session, recording).enqueued_at is not None
    sweep_recordings()  # queued a moment ago: left alone
    assert queued_jobs(up) == []


LONG_AGO = recording_queue.REQUEUE_AFTER + timedelta(minutes=1)


EXPIRED = -timedelta(seconds=1)


@pytest.mark.parametrize(
    ("status", "enqueued_ago", "lease_left", "model_available", "due"),
    [
        (S.AWAITING_DOWNLOAD, None, None, False, True),
        (S.AWAITING_DOWNLOAD, timedelta(minutes=1), None, False, False),
        (S.AWAITING_DOWNLOAD, LONG_AGO, None, False, True),
        (S.DOWNLOADED, LONG_AGO, None, False, True),
        (S.TRANSCRIBING, LONG_AGO, timedelta(minutes=9), False, False),
        (S.TRANSCRIBING, LONG_AGO, EXPIRED, False, True),
        (S.TRANSCRIBING, None, EXPIRED, False, True),
        # The worker died after it was queued: taken over as soon as its lease runs out.
        (S.TRANSCRIBING, timedelta(minutes=1), EXPIRED, False, True),
        (S.TRANSCRIBING, timedelta(minutes=1), -timedelta(minutes=2), False, False),  # re-queued
        (S.TRANSCRIBING, LONG_AGO, None, False, True),  # claimed before leases existed
        (S.AWAITING_MODEL, None, None, False, False),
        (S.AWAITING_MODEL, None, None, True, True),
        (S.FAILED, None, None, True, False),
        (S.TRANSCRIBED, None, None, True, False),
    ],
)
def test_due_for_queueing(
    session: Session,
    status: RecordingStatus,
    enqueued_ago: timedelta | None,
    lease_left: timedelta | None,
    model_available: bool,
    due: bool,
) -> None:
    now = utcnow()
    recording = factories.RecordingFactory(
        status=status,
        enqueued_at=None if enqueued_ago is None else now - enqueued_ago,
        lease_holder=None if lease_left is None else "a-worker",
        lease_expires_at=None if lease_left is None else now + lease_left,
        updated_at=now,  # other writes move updated_at; it says nothing of the lease
    )
    session.flush()

    found = recording_queue.due_for_queueing(session, now, model_available=model_available)

    assert found == ([recording.id] if due else [])


def test_sweep_queues_waiting_recordings_once_a_model_is_installed(
    make_app: Callable[..., Flask],
    session: Session,
    host: RecordingsHost,
    short_zh: bytes,
    model_dir: Path,
) -> None:
    without = make_app(vosk_model=None, vosk_model_packages=False)
    recording = voicemail(session, host, short_zh, enqueued_at=utcnow())
    process_recording(recording.id)
    assert fresh(session, recording).status is S.AWAITING_MODEL
    queued_jobs(without)
    sweep_recordings()
    assert queued_jobs(without) == []

    make_app(vosk_model=model_dir)  # the operator installs a model
    sweep_recordings()
    assert queued_jobs(without) == [recording.id]
    process_recording(recording.id)

    assert fresh(session, recording).status is S.TRANSCRIBED


# --- a whole call ---------------------------------------------------------------------------


def test_voicemail_of_a_simulated_call_reaches_its_ticket(
    make_app: Callable[..., Flask], session: Session, model: LoadedModel
) -> None:
    # The simulator serves the voicemail on the loopback media host the worker trusts.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = make_app(vosk_model=model.path, carrier_media_hosts=(f"127.0.0.1:{port}",))
    tickets.ensure_categories(session)
    session.commit()
    settled: list[bool] = []

    def worker(recording_sid: str) -> None:
        # What the worker does while the carrier still serves the file.
        assert recording_queue.download_settled(session, recording_sid) is False
        recording_id = session.scalar(
            select(Recording.id).where(Recording.recording_sid == recording_sid)
        )
        session.rollback()
        assert recording_id is not None
        process_recording(recording_id)
        settled.append(recording_queue.download_settled(session, recording_sid))

    talk = Simulator.for_app(app, echo=lambda line: None).run(
        Caller(presses=["0"], voicemail=VOICEMAIL), linger=worker
    )

    assert settled == [True]
    recording = session.scalars(select(Recording)).one()
    assert recording.recording_sid == talk.recording_sid
    assert recording.status is S.TRANSCRIBED
    expected = transcribe(VOICEMAIL, model).text
    assert expected
    ticket = ticket_of(session, recording)
    assert ticket.transcript_text == expected
    limit = tickets.SUMMARY_CHARS
    assert ticket.summary == (expected if len(expected) <= limit else expected[: limit - 1] + "…")


@pytest.mark.postgres
def test_claims_hold_on_postgresql(
    pg_app: Flask, host: RecordingsHost, short_zh: bytes, model: LoadedModel
) -> None:
    with pg_app.extensions["hotline.db"].sessions() as pg, factories.bound(pg):
        recording = voicemail(pg, host, short_zh)
        results: list[job.JobResult] = []

        def other_worker_first() -> LoadedModel:
            results.append(run_domain(pg_app, recording.id, tools(pg_app, model)))
            return model

        first = tools(pg_app, model, model=other_worker_first)
        results.append(run_domain(pg_app, recording.id, first))
        process_recording(recording.id)  # and a duplicate delivery afterwards

        assert [r.detail for r in results][1:] == ["another worker has it"]
        row = fresh(pg, recording)
        assert (row.status, row.attempts) == (S.TRANSCRIBED, 2)
        assert pg.scalar(select(func.count()).select_from(Transcript)) == 1
        assert ticket_of(pg, recording).transcript_text == row.transcripts[0].text
