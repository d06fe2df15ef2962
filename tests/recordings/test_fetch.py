"""Faults of the carrier's media server: a stuck download holds no database lock, and URLs,
sizes, times and bodies are checked before anything is kept."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from hotline.models import Recording, RecordingStatus
from hotline.recordings.fetch import MediaPolicy, download
from hotline.recordings.files import DownloadFailed, NotReady
from hotline.tasks.transcription import process_recording
from tests import factories
from tests.conftest import PUBLIC_BASE_URL, make_settings, sign
from tests.helpers import (
    RecordingsHost,
    fresh,
    media_policy,
    recordings_host,
    voicemail,
)

S = RecordingStatus


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
    app: Flask, client: FlaskClient, session: Session, host: RecordingsHost, short_zh: bytes
) -> None:
    recording = voicemail(session, host, short_zh)

    with stuck_download(host, recording.id):
        elapsed, first_verb = incoming_call_seconds(client, "CA" + "1" * 32)

    assert first_verb == "Gather"
    assert elapsed < 1.0, f"incoming call took {elapsed:.2f} s while a download was stuck"
    assert fresh(session, recording).status is S.TRANSCRIBED


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


# --- where recordings may come from ---------------------------------------------------------


@pytest.mark.parametrize(
    ("recording_url", "reason"),
    [
        pytest.param("http://{evil}/Recordings/RE1", "is not a carrier media host", id="host"),
        pytest.param(
            "http://127.0.0.1:6379/Recordings/RE1", "is not a carrier media host", id="redis"
        ),
        pytest.param("file:///etc/passwd", "scheme 'file' is not allowed", id="file"),
        pytest.param("ftp://{media}/Recordings/RE1", "scheme 'ftp' is not allowed", id="ftp"),
        pytest.param("not a url at all", "scheme '(none)' is not allowed", id="malformed"),
        pytest.param("http://{media}:99999/RE1", "is not a valid URL", id="bad-port"),
        pytest.param("http://user:pw@{media}/Recordings/RE1", "carries credentials", id="userinfo"),
    ],
)
def test_recording_url_that_can_never_work_fails_at_once_and_nothing_is_sent(
    session: Session,
    host: RecordingsHost,
    short_zh: bytes,
    recording_url: str,
    reason: str,
) -> None:
    with recordings_host() as evil:
        evil.credentials = None
        recording = voicemail(session, host, short_zh)
        evil.publish(recording.recording_sid, short_zh)
        url = recording_url.format(evil=evil.netloc, media=host.netloc)
        session.execute(update(Recording).where(Recording.id == recording.id).values(url=url))
        session.commit()

        process_recording(recording.id)  # no NotReady: nothing to retry

        row = fresh(session, recording)
        assert (row.status, row.attempts) == (S.FAILED, 1)
        assert row.failure_reason is not None
        assert row.failure_reason.startswith("download refused: ")
        assert reason in row.failure_reason
        assert (host.requests, evil.requests) == ([], [])


def test_plain_http_is_refused_unless_allowed(
    make_app: Callable[..., Flask], session: Session, host: RecordingsHost, short_zh: bytes
) -> None:
    make_app(carrier_media_allow_http=False)
    recording = voicemail(session, host, short_zh)

    process_recording(recording.id)

    row = fresh(session, recording)
    assert row.status is S.FAILED
    assert row.failure_reason == (
        "download refused: RecordingUrl scheme 'http' is not allowed (https only)"
    )
    assert host.requests == []


def test_media_hosts_default_to_the_carriers_api_host() -> None:
    settings = make_settings("sqlite://", Path("/tmp"))
    assert settings.media_hosts == ("api.twilio.com",)
    policy = MediaPolicy(hosts=settings.media_hosts, auth=None)
    assert policy.trusts(urlsplit("https://api.twilio.com/2010-04-01/Recordings/RE1.wav"))
    assert policy.trusts(urlsplit("https://API.twilio.com:443/Recordings/RE1.wav"))
    assert not policy.trusts(urlsplit("https://api.twilio.com:8443/Recordings/RE1.wav"))
    assert not policy.trusts(urlsplit("https://api.twilio.com.evil.example/RE1.wav"))


def test_redirect_to_another_host_is_followed_without_credentials(
    host: RecordingsHost, short_zh: bytes, tmp_path: Path
) -> None:
    with recordings_host() as cdn:
        cdn.credentials = None
        signed = cdn.publish("RE1", short_zh) + ".wav?token=abc"
        url = host.publish("RE1", b"")
        host.redirects["/Recordings/RE1.wav"] = signed

        stored = download(url, tmp_path / "RE1.wav", media_policy(host))

    assert stored.path.read_bytes() == short_zh
    assert host.authorizations[0].startswith("Basic ")
    assert cdn.authorizations == [""]


def test_redirect_to_a_scheme_not_allowed_is_refused(
    host: RecordingsHost, short_zh: bytes, tmp_path: Path
) -> None:
    url = host.publish("RE1", short_zh)
    host.redirects["/Recordings/RE1.wav"] = "file:///etc/passwd"

    with pytest.raises(DownloadFailed, match="scheme 'file' is not allowed"):
        download(url, tmp_path / "RE1.wav", media_policy(host))


# --- how much, how long, and what ------------------------------------------------------------


@pytest.mark.parametrize("send_length", [True, False], ids=["announced", "unannounced"])
def test_download_over_the_size_limit_is_refused_and_nothing_kept(
    host: RecordingsHost, short_zh: bytes, tmp_path: Path, send_length: bool
) -> None:
    host.send_length = send_length
    url = host.publish("RE1", short_zh)

    with pytest.raises(DownloadFailed, match="over the limit of 10000"):
        download(url, tmp_path / "RE1.wav", media_policy(host, max_bytes=10_000))

    assert list(tmp_path.iterdir()) == []


def test_trickled_download_stops_at_the_time_limit_and_is_retried(
    host: RecordingsHost, short_zh: bytes, tmp_path: Path
) -> None:
    host.trickle = 2_000  # bytes a second: the clip would take 15 s
    url = host.publish("RE1", short_zh)

    started = time.monotonic()
    with pytest.raises(NotReady, match="took over 1 s to download"):
        download(url, tmp_path / "RE1.wav", media_policy(host, max_seconds=1))

    assert time.monotonic() - started < 3
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        ("text/html", b"<html><body>Not Found</body></html>", "not audio (Content-Type text/html)"),
        ("audio/x-wav", b"<html><body>Not Found</body></html>", "not audio (starts b'<html>"),
        ("audio/x-wav", b"GIF8", "not audio (starts b'GIF8')"),
    ],
)
def test_body_that_is_not_audio_is_refused_and_not_kept(
    session: Session,
    host: RecordingsHost,
    app: Flask,
    content_type: str,
    body: bytes,
    reason: str,
) -> None:
    host.content_type = content_type
    recording = voicemail(session, host, body)

    process_recording(recording.id)

    row = fresh(session, recording)
    assert row.status is S.FAILED
    assert row.failure_reason is not None and reason in row.failure_reason
    recordings_dir = app.extensions["hotline.settings"].recordings_dir
    assert [p for p in recordings_dir.rglob("*") if p.is_file()] == []
