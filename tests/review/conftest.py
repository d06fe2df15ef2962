"""Voicemails to review: a real Mandarin WAV stored in the recordings directory, with its
machine transcript timed word by word as Vosk stores it."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from hotline.db import utcnow
from hotline.models import Priority, Recording, RecordingStatus, Ticket, Transcript
from tests import factories
from tests.helpers import configure

SPEECH = Path("/work/shared/speech/zh/funasr_example0.wav")  # 5.55 s
# 欢迎大家来体验达摩院推出的语音识别模型, as Vosk would time it; 达摩院 doubtful.
WORDS = [
    ("欢迎", 0.30, 0.80, 0.98),
    ("大家", 0.80, 1.30, 0.95),
    ("来", 1.30, 1.60, 0.91),
    ("体验", 1.60, 2.20, 0.97),
    ("达摩院", 2.20, 3.00, 0.42),
    ("推出", 3.00, 3.50, 0.93),
    ("的", 3.50, 3.70, 0.99),
    ("语音", 3.70, 4.20, 0.96),
    ("识别", 4.20, 4.70, 0.94),
    ("模型", 4.70, 5.30, 0.97),
]
MACHINE_TEXT = " ".join(word for word, *_ in WORDS)


@pytest.fixture
def recordings_dir(app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The app's recordings directory, for this test."""
    directory = tmp_path / "recordings"
    directory.mkdir()
    configure(app, monkeypatch, recordings_dir=directory)
    return directory


def stored_voicemail(
    recordings_dir: Path | None,
    *,
    age_hours: float = 1,
    urgent: bool = False,
    triage_urgent: bool = False,
    call: object = None,
    text: str = MACHINE_TEXT,
    **recording: object,
) -> tuple[Recording, Ticket]:
    """A transcribed voicemail (its WAV copied into `recordings_dir` unless None) and its
    ticket."""
    created = utcnow() - timedelta(hours=age_hours)
    rec: Recording = factories.RecordingFactory(
        call=call or factories.CallFactory(),
        status=RecordingStatus.TRANSCRIBED,
        created_at=created,
        duration_s=6,
        triage_priority="urgent" if triage_urgent else None,
        triage_phrase="燃气" if triage_urgent else None,
        **recording,
    )
    if recordings_dir is not None:
        relative = Path("2026", "11", f"{rec.recording_sid}.wav")
        (recordings_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SPEECH, recordings_dir / relative)
        rec.local_path = relative.as_posix()
        rec.size_bytes = SPEECH.stat().st_size
    factories.TranscriptFactory(
        recording=rec,
        text=text,
        words=[{"word": w, "start": s, "end": e, "confidence": c} for w, s, e, c in WORDS],
        model_name="vosk-model-small-cn-0.22",
        language="zh",
        created_at=created,
    )
    ticket: Ticket = factories.TicketFactory(
        call_id=rec.call_id,
        recording_id=rec.id,
        transcript_text=text,
        summary=text[:80],
        created_at=created,
        priority=Priority.URGENT if urgent else Priority.NORMAL,
    )
    factories._current_session().flush()
    return rec, ticket


def current(session: object, recording: Recording) -> Transcript:
    """The recording's current transcript, read afresh."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    session.expire_all()
    found = session.scalars(
        select(Transcript).where(
            Transcript.recording_id == recording.id, Transcript.current.is_(True)
        )
    ).one()
    return found
