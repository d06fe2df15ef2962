"""Fixtures of the transcription job and CLI tests: the app with the real dev model, the carrier's
recordings host and a clip it serves."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from tests.helpers import SHORT_ZH, RecordingsHost, recordings_host
from transcripts import LoadedModel


@pytest.fixture
def real_commits() -> bool:
    """The job commits for real here: worker threads and a killed worker process share the
    database with the test, and several apps write to it."""
    return True


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


@pytest.fixture(scope="module")
def short_zh() -> bytes:
    """A short real Mandarin clip, as the carrier would serve it."""
    return SHORT_ZH.read_bytes()


@pytest.fixture
def host() -> Iterator[RecordingsHost]:
    """The carrier's recordings host."""
    with recordings_host() as running:
        yield running


@pytest.fixture
def pg_app(make_app: Callable[..., Flask], postgres_url: str, model: LoadedModel) -> Flask:
    """The app on the PostgreSQL test database, emptied afterwards."""
    return make_app(database_url=postgres_url, vosk_model=model.path)
