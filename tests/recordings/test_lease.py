"""The transcription lease: a dead worker's recording is taken over once, after its lease ends,
however often the sweep runs; a live worker renews its lease and is never overtaken."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import Recording, RecordingStatus, Transcript
from hotline.recordings import job, lease
from hotline.tasks.transcription import process_recording, sweep_recordings
from tests import factories
from tests.helpers import (
    SPEECH,
    VOICEMAIL,
    RecordingsHost,
    fresh,
    queued_jobs,
    ticket_of,
    tools,
    voicemail,
)
from transcripts import LoadedModel

S = RecordingStatus
LEASE = lease.TRANSCRIBE_LEASE
# 35 s of telephone audio: decoding it takes long enough to kill the worker in the middle.
LONG_CLIP = SPEECH / "en" / "osr_us_000_0034_8k.wav"


@dataclass
class Clock:
    """The line's clock, set by the test; each reading moves it on by `step`."""

    at: datetime
    step: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        self.at += self.step
        return self.at


class WorkerDied(BaseException):
    """Stands for SIGKILL: nothing after it runs, no handler sees it."""


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def line(
    request: pytest.FixtureRequest, make_app: Callable[..., Flask], model: LoadedModel
) -> tuple[Flask, Clock]:
    """The app on SQLite or PostgreSQL, on a clock the test moves."""
    clock = Clock(utcnow())
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        return make_app(database_url=url, clock=clock, vosk_model=model.path), clock
    return make_app(clock=clock, vosk_model=model.path), clock


def sweep_queues(app: Flask) -> list[int]:
    """Run the beat sweep once; the recordings it queued."""
    queued_jobs(app)
    sweep_recordings()
    return queued_jobs(app)


def test_dead_workers_recording_is_transcribed_once_after_its_lease(
    line: tuple[Flask, Clock], host: RecordingsHost, model: LoadedModel
) -> None:
    app, clock = line
    with app.extensions["hotline.db"].sessions() as session, factories.bound(session):
        recording = voicemail(session, host, VOICEMAIL.read_bytes())
        claimed_at = clock.at

        def die_once_claimed() -> None:
            if fresh(session, recording).status is S.TRANSCRIBING:
                raise WorkerDied

        with pytest.raises(WorkerDied), app.extensions["hotline.db"].sessions() as worker:

            def commit() -> None:
                worker.commit()
                die_once_claimed()

            job.process(
                worker, recording.id, clock, tools(app, model), last_try=False, commit=commit
            )
        row = fresh(session, recording)
        assert (row.status, row.lease_expires_at) == (S.TRANSCRIBING, claimed_at + LEASE)

        for minutes in (1, 4, 7, 9):  # the sweep runs while the dead worker's lease lasts
            clock.at = claimed_at + timedelta(minutes=minutes)
            assert sweep_queues(app) == []
        clock.at = claimed_at + LEASE + timedelta(minutes=1)
        assert sweep_queues(app) == [recording.id]
        assert sweep_queues(app) == []  # queued a moment ago
        process_recording(recording.id)
        for minutes in (20, 40, 60):
            clock.at = claimed_at + timedelta(minutes=minutes)
            assert sweep_queues(app) == []
            process_recording(recording.id)  # a duplicate delivery changes nothing

        row = fresh(session, recording)
        assert (row.status, row.attempts, row.lease_holder) == (S.TRANSCRIBED, 3, None)
        assert session.scalar(select(func.count()).select_from(Transcript)) == 1
        assert ticket_of(session, recording).transcript_text == row.transcripts[0].text


def test_requeueing_does_not_renew_a_dead_workers_lease_on_the_wall_clock(
    app: Flask,
    session: Session,
    host: RecordingsHost,
    model: LoadedModel,
) -> None:
    # On the real clock, with a one-second lease: re-queueing writes the row (and so moves
    # updated_at), which must not make the dead worker's claim look alive again.
    recording = voicemail(session, host, VOICEMAIL.read_bytes())

    def die_once_claimed() -> None:
        if fresh(session, recording).status is S.TRANSCRIBING:
            raise WorkerDied

    with pytest.raises(WorkerDied):
        short = tools(app, model, lease=timedelta(seconds=1))
        run_job(app, recording.id, short, utcnow, after_commit=die_once_claimed)
    assert sweep_queues(app) == []  # the lease still runs
    time.sleep(1.1)
    assert sweep_queues(app) == [recording.id]
    process_recording(recording.id)

    row = fresh(session, recording)
    assert (row.status, row.attempts) == (S.TRANSCRIBED, 3)
    assert session.scalar(select(func.count()).select_from(Transcript)) == 1


def test_live_worker_renews_its_lease_and_is_never_overtaken(
    make_app: Callable[..., Flask], session: Session, host: RecordingsHost, model: LoadedModel
) -> None:
    # A machine so busy that the decode takes far longer than the lease: a minute a chunk.
    clock = Clock(utcnow(), step=timedelta(minutes=1))
    app = make_app(clock=clock, vosk_model=model.path)
    recording = voicemail(session, host, VOICEMAIL.read_bytes())
    claimed_at: list[datetime] = []
    rivals: list[job.JobResult] = []

    def rival_after_the_first_lease() -> None:
        if fresh(session, recording).status is not S.TRANSCRIBING:
            return
        claimed_at.append(claimed_at[0] if claimed_at else clock.at)
        if clock.at > claimed_at[0] + LEASE + timedelta(minutes=2) and not rivals:
            # The sweep sees a live lease: nothing to queue. A stray job leaves it alone.
            assert sweep_queues(app) == []
            rivals.append(run_job(app, recording.id, tools(app, model), clock))

    result = run_job(
        app, recording.id, tools(app, model), clock, after_commit=rival_after_the_first_lease
    )

    assert [r.detail for r in rivals] == ["another worker is transcribing it"]
    assert result.status is S.TRANSCRIBED
    assert session.scalar(select(func.count()).select_from(Transcript)) == 1
    assert fresh(session, recording).attempts == 2  # one download, one transcription


def test_worker_that_lost_its_lease_stops_decoding(
    app: Flask, session: Session, host: RecordingsHost, model: LoadedModel
) -> None:
    recording = voicemail(session, host, VOICEMAIL.read_bytes())

    def taken_over() -> None:
        row = fresh(session, recording)
        if row.status is S.TRANSCRIBING and row.lease_holder != "another-worker":
            row.lease_holder = "another-worker"
            row.attempts += 1
            session.commit()

    clock = Clock(utcnow(), step=timedelta(minutes=1))
    result = run_job(app, recording.id, tools(app, model), clock, after_commit=taken_over)

    assert (result.status, result.detail) == (
        S.TRANSCRIBING,
        "another worker took it over; decoding stopped",
    )
    assert session.scalar(select(func.count()).select_from(Transcript)) == 0
    assert fresh(session, recording).lease_holder == "another-worker"


def run_job(
    app: Flask,
    recording_id: int,
    job_tools: job.JobTools,
    clock: Callable[[], datetime],
    after_commit: Callable[[], None] = lambda: None,
) -> job.JobResult:
    """The job's domain function in a session of its own, on `clock`."""
    with app.extensions["hotline.db"].sessions() as session:

        def commit() -> None:
            session.commit()
            after_commit()

        result = job.process(session, recording_id, clock, job_tools, last_try=False, commit=commit)
        session.commit()
    return result


# The job as a worker process runs it, in a process of its own that the test can kill.
WORKER = """
import sys
from pathlib import Path
from hotline import create_app
from hotline.tasks.transcription import run_job
from tests.conftest import make_settings

url, tmp, model, media_host, recording_id = sys.argv[1:]
app = create_app(
    make_settings(
        url,
        Path(tmp),
        vosk_model=Path(model),
        carrier_media_hosts=(media_host,),
        carrier_media_allow_http=True,
    )
)
with app.app_context():
    run_job(int(recording_id), last_try=False)
"""


def test_worker_killed_mid_transcription_is_transcribed_once_after_its_lease(
    make_app: Callable[..., Flask],
    database_url: str,
    tmp_path: Path,
    session: Session,
    host: RecordingsHost,
    model: LoadedModel,
) -> None:
    clock = Clock(utcnow())
    app = make_app(clock=clock, vosk_model=model.path)
    recording = voicemail(session, host, LONG_CLIP.read_bytes())
    worker = subprocess.Popen(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "-c", WORKER, database_url, str(tmp_path), str(model.path)]
        + [host.netloc, str(recording.id)],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    try:
        deadline = time.monotonic() + 60
        while fresh(session, recording).status is not S.TRANSCRIBING:
            assert worker.poll() is None, "the worker ended before it started transcribing"
            assert time.monotonic() < deadline, "the worker never started transcribing"
            session.rollback()
            time.sleep(0.02)
        session.rollback()
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    row = fresh(session, recording)
    session.rollback()
    assert (row.status, worker.returncode) == (S.TRANSCRIBING, -signal.SIGKILL)
    assert row.lease_expires_at is not None
    lease_end = row.lease_expires_at

    for before_the_end in (LEASE - timedelta(minutes=9), timedelta(minutes=5), timedelta(0)):
        clock.at = lease_end - before_the_end
        assert sweep_queues(app) == []
    clock.at = lease_end + timedelta(minutes=1)
    assert sweep_queues(app) == [recording.id]
    process_recording(recording.id)
    clock.at = lease_end + timedelta(minutes=30)
    assert sweep_queues(app) == []

    row = fresh(session, recording)
    assert row.status is S.TRANSCRIBED
    assert session.scalar(select(func.count()).select_from(Transcript)) == 1
    assert session.scalar(select(Recording.attempts).where(Recording.id == recording.id)) == 3
