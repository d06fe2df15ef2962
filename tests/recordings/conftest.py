"""Fixtures of the transcription job and CLI tests: the real dev model, the carrier's host."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hotline import create_app
from hotline.telephony import FakeTelephony
from tests import factories
from tests.conftest import make_settings, wipe
from tests.helpers import RecordingsHost, model_dir, recordings_host
from transcripts import LoadedModel, load_model


@pytest.fixture(scope="module")
def model() -> LoadedModel:
    """The real dev model, loaded once (the library caches it for the whole run)."""
    return load_model(model_dir())


@pytest.fixture
def make_app(make_app: Callable[..., Flask], host: RecordingsHost) -> Callable[..., Flask]:
    """Apps that take the test's recordings host (plain http on 127.0.0.1) for the carrier's
    media host."""

    def build(**overrides: object) -> Flask:
        return make_app(**{**media_host_settings(host), **overrides})

    return build


def media_host_settings(host: RecordingsHost) -> dict[str, object]:
    """Settings that trust `host` as the carrier's media host."""
    return {"carrier_media_hosts": (host.netloc,), "carrier_media_allow_http": True}


@pytest.fixture
def app(make_app: Callable[..., Flask], model: LoadedModel) -> Flask:
    """The app with the dev model configured by path, as a deployment configures its model."""
    return make_app(vosk_model=model.path)


@pytest.fixture
def db(session: Session) -> Iterator[Session]:
    """The test session with the factories bound to it."""
    with factories.bound(session):
        yield session


@pytest.fixture
def host() -> Iterator[RecordingsHost]:
    """The carrier's recordings host."""
    with recordings_host() as running:
        yield running


@pytest.fixture
def pg_app(
    postgres_url: str,
    tmp_path: Path,
    telephony: FakeTelephony,
    model: LoadedModel,
    host: RecordingsHost,
) -> Iterator[Flask]:
    """The app on the PostgreSQL test database, emptied afterwards."""
    app = create_app(
        make_settings(postgres_url, tmp_path, vosk_model=model.path, **media_host_settings(host)),
        telephony=telephony,
    )
    yield app
    wipe(app)
    app.extensions["hotline.db"].engine.dispose()
