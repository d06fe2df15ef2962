"""What the job makes of speech detection, truncated files and the model's language."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import RecordingStatus, Transcript, User
from hotline.tasks.transcription import process_recording, run_job
from tests.helpers import VOICEMAIL, RecordingsHost, fresh, text, ticket_of, voicemail
from tests.transcripts.test_vad import TEXT_TOLERANCE
from transcripts import LoadedModel, transcribe
from transcripts.evaluate import char_edits
from transcripts.transcribe import normalize_text

S = RecordingStatus


def padded_voicemail(seconds_before: float = 8.0, seconds_after: float = 12.0) -> bytes:
    """The 5 s Mandarin clip with silence around it, as 8 kHz mu-law WAV bytes."""
    from transcripts.synthetic import load_telephone
    from transcripts.synthetic import voicemail as shape

    samples, _ = shape(
        load_telephone(VOICEMAIL),
        np.random.default_rng(5),
        kind="silence",
        snr_db=15,
        lead_s=seconds_before,
        pauses=(),
        tail_s=seconds_after,
    )
    out = io.BytesIO()
    sf.write(out, samples, 8000, "ULAW", format="WAV")
    return out.getvalue()


def test_truncated_voicemail_is_transcribed_and_flagged_on_the_call_page(
    session: Session,
    host: RecordingsHost,
    client: FlaskClient,
    sign_in: Callable[..., User],
    model: LoadedModel,
    tmp_path: Path,
) -> None:
    whole = VOICEMAIL.read_bytes()
    cut = whole[: len(whole) * 2 // 3]
    recording = voicemail(session, host, cut)

    process_recording(recording.id)

    row = fresh(session, recording)
    assert (row.status, row.truncated) == (S.TRANSCRIBED, True)
    (tmp_path / "cut.wav").write_bytes(cut)
    expected = transcribe(tmp_path / "cut.wav", model)
    assert expected.text
    assert ticket_of(session, recording).transcript_text == expected.text
    sign_in()
    page = text(client.get(f"/calls/{row.call_id}"))
    assert re.search(r'<p class="truncated"><span class="badge[^"]*">', page)


def test_whole_voicemail_is_not_flagged(
    session: Session,
    host: RecordingsHost,
    client: FlaskClient,
    sign_in: Callable[..., User],
    short_zh: bytes,
) -> None:
    recording = voicemail(session, host, short_zh)

    process_recording(recording.id)

    row = fresh(session, recording)
    assert (row.status, row.truncated) == (S.TRANSCRIBED, False)
    sign_in()
    assert 'class="truncated"' not in text(client.get(f"/calls/{row.call_id}"))


def test_job_decodes_only_the_speech_unless_turned_off(
    make_app: Callable[..., Flask],
    session: Session,
    host: RecordingsHost,
    model: LoadedModel,
    tmp_path: Path,
) -> None:
    body = padded_voicemail()
    detected = voicemail(session, host, body)
    everything = voicemail(session, host, body)

    with make_app(vosk_model=model.path).app_context():
        speech_only = run_job(detected.id, last_try=False)
    with make_app(vosk_model=model.path, transcribe_vad=False).app_context():
        whole = run_job(everything.id, last_try=False)

    decoded = re.compile(r"\(([0-9.]+) of ([0-9.]+) s decoded\)")
    part, total = map(float, decoded.search(speech_only.detail).groups())  # type: ignore[union-attr]
    assert total == 25.0 and part < 7.0
    assert decoded.search(whole.detail).groups() == ("25.0", "25.0")  # type: ignore[union-attr]
    texts = session.scalars(select(Transcript.text).order_by(Transcript.recording_id)).all()
    # As in tests/transcripts/test_vad.py: the speech regions' text is no further from the clip
    # decoded alone than the whole recording's, within TEXT_TOLERANCE (the Korean dev model's
    # guesses at Mandarin move with any audio around them; exact equality is not its to give).
    (tmp_path / "alone.wav").write_bytes(padded_voicemail(0.0, 0.0))
    alone = transcribe(tmp_path / "alone.wav", model, vad=False).text
    assert texts[0] and alone
    assert char_edits(alone, texts[0])[0] <= char_edits(alone, texts[1])[0] + TEXT_TOLERANCE


def test_transcript_language_is_the_models_or_the_configured_one(
    make_app: Callable[..., Flask],
    session: Session,
    host: RecordingsHost,
    short_zh: bytes,
    model: LoadedModel,
) -> None:
    from_model = voicemail(session, host, short_zh)
    configured = voicemail(session, host, short_zh)

    with make_app(vosk_model=model.path).app_context():
        run_job(from_model.id, last_try=False)
    with make_app(vosk_model=model.path, vosk_model_language="zh").app_context():
        run_job(configured.id, last_try=False)

    rows = session.scalars(select(Transcript).order_by(Transcript.recording_id)).all()
    assert [t.language for t in rows] == ["ko", "zh"]  # the dev model is Korean
    assert rows[0].text == transcribe(VOICEMAIL.parent / "uberi_chinese.wav", model).text
    # The language decides how the words are joined, by the one rule: Korean keeps spaces;
    # Chinese drops those beside CJK characters (the dev model writes Hangul, which keeps them).
    tokens = [word["word"] for word in rows[1].words]
    assert rows[1].text == normalize_text(tokens, "zh") == normalize_text(tokens, "ko")
    assert normalize_text(["三", "号楼", "room", "302"], "zh") == "三号楼room 302"
