"""Faults of the carrier's media server: a stuck download holds no database lock, and URLs,
sizes, times and bodies are checked before anything is kept."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline.models import RecordingStatus
from hotline.tasks.transcription import process_recording
from tests import factories
from tests.conftest import PUBLIC_BASE_URL, sign
from tests.tasks import SHORT_ZH, RecordingsHost, fresh, voicemail

S = RecordingStatus


@pytest.fixture(scope="module")
def short_zh() -> bytes:
    """A short real Mandarin clip, as the carrier would serve it."""
    return SHORT_ZH.read_bytes()


def incoming_call_seconds(client: FlaskClient, call_sid: str) -> tuple[float, str]:
    """How long a signed incoming-call webhook takes to answer, and its TwiML root's first verb
    (at most 5 s are waited for: a webhook blocked longer than that has already failed)."""
    params = {"CallSid": call_sid, "From": "+8613800000009", "To": "+8657100000000"}
    headers = {"X-Twilio-Signature": sign(PUBLIC_BASE_URL + "/voice/incoming", params)}
    answer: list[str] = []

    def post() -> None:
        response = client.post("/voice/incoming", data=params, headers=headers)
        answer.append(response.get_data(as_text=True))

    started = time.perf_counter()
    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    thread.join(timeout=5)
    elapsed = time.perf_counter() - started
    first = ElementTree.fromstring(answer[0])[0].tag if answer else "(no answer)"
    return elapsed, first


@contextmanager
def stuck_download(host: RecordingsHost, recording_id: int) -> Iterator[None]:
    """The job runs in a worker thread; the block runs while its download hangs mid-body."""
    host.release = threading.Event()
    worker = threading.Thread(target=process_recording, args=(recording_id,), daemon=True)
    worker.start()
    try:
        assert host.stalled.wait(timeout=10), "the job never started its download"
        yield
    finally:
        host.release.set()
        worker.join(timeout=30)


def test_incoming_call_is_answered_while_a_download_is_stuck(
    app: Flask, client: FlaskClient, db: Session, host: RecordingsHost, short_zh: bytes
) -> None:
    recording = voicemail(db, host, short_zh)

    with stuck_download(host, recording.id):
        elapsed, first_verb = incoming_call_seconds(client, "CA" + "1" * 32)

    assert first_verb == "Gather"
    assert elapsed < 1.0, f"incoming call took {elapsed:.2f} s while a download was stuck"
    assert fresh(db, recording).status is S.TRANSCRIBED


@pytest.mark.postgres
def test_no_transaction_is_open_while_a_download_is_stuck_on_postgresql(
    pg_app: Flask, host: RecordingsHost, short_zh: bytes
) -> None:
    with pg_app.extensions["hotline.db"].sessions() as pg, factories.bound(pg):
        recording = voicemail(pg, host, short_zh)
        database = pg.get_bind().url.database

        with stuck_download(host, recording.id):
            open_transactions = pg.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :db"
                    " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                ),
                {"db": database},
            )
            pg.rollback()

        assert open_transactions == 0
        assert fresh(pg, recording).status is S.TRANSCRIBED
