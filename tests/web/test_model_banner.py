"""The banner on supervisors' pages while voicemails wait for a speech model: how many, and the
command that installs one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from hotline.models import RecordingStatus, Role
from tests.factories import RecordingFactory
from tests.helpers import sign_in, text
from tests.transcripts.test_model import fake_model


def page_for(app: Flask, session: Session, role: Role) -> str:
    client = app.test_client()
    sign_in(client, session, role=role)
    return text(client.get("/"))


def test_supervisors_see_how_many_wait_and_the_command(
    make_app: Callable[..., Flask], session: Session
) -> None:
    app = make_app(vosk_model=None, vosk_model_packages=False)
    RecordingFactory.create_batch(3, status=RecordingStatus.AWAITING_MODEL)
    RecordingFactory(status=RecordingStatus.TRANSCRIBED)

    page = page_for(app, session, Role.SUPERVISOR)

    assert 'id="model-banner"' in page
    assert "等待语音模型的留言：3 条" in page
    assert "<code>make model</code>" in page


def test_volunteers_see_no_banner(make_app: Callable[..., Flask], session: Session) -> None:
    app = make_app(vosk_model=None, vosk_model_packages=False)
    RecordingFactory(status=RecordingStatus.AWAITING_MODEL)

    assert 'id="model-banner"' not in page_for(app, session, Role.VOLUNTEER)


def test_no_banner_once_a_model_is_installed(
    make_app: Callable[..., Flask], session: Session, tmp_path: Path
) -> None:
    # The sweep queues the waiting ones within a minute: nothing left for anyone to do.
    fake_model(tmp_path / "models" / "vosk-model-small-cn-0.22")
    app = make_app(vosk_model=None, vosk_model_packages=False)
    RecordingFactory(status=RecordingStatus.AWAITING_MODEL)

    assert 'id="model-banner"' not in page_for(app, session, Role.SUPERVISOR)


def test_no_banner_when_nothing_waits(make_app: Callable[..., Flask], session: Session) -> None:
    app = make_app(vosk_model=None, vosk_model_packages=False)

    assert 'id="model-banner"' not in page_for(app, session, Role.SUPERVISOR)
