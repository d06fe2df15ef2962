"""`flask transcripts ...` through the CLI runner, with the real model and clips."""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import RecordingStatus, Transcript
from hotline.tasks.transcription import process_recording
from tests.helpers import (
    MANIFEST_ROWS,
    SHORT_ZH,
    SPEECH,
    VOICEMAIL,
    RecordingsHost,
    fresh,
    queued_jobs,
    voicemail,
)
from transcripts import LoadedModel, transcribe

S = RecordingStatus
WORD_LINE = re.compile(r"^ +\d+\.\d\d +\d+\.\d\d +[01]\.\d\d  \S+$")
SMALL_CN = "vosk-model-small-cn-0.22"


def cli(app: Flask, *args: str) -> Result:
    """Run `flask transcripts ARGS` against `app`."""
    return app.test_cli_runner().invoke(args=["transcripts", *args])


def test_run_prints_the_text_then_every_word(app: Flask, model: LoadedModel) -> None:
    result = cli(app, "run", str(SHORT_ZH))

    assert result.exit_code == 0, result.output
    expected = transcribe(SHORT_ZH, model)
    lines = result.stdout.splitlines()
    assert lines[0] == expected.text
    words = [line for line in lines if WORD_LINE.match(line)]
    assert [line.split()[-1] for line in words] == [w.word for w in expected.words]
    assert len(words) >= 1


def test_run_rejects_a_file_that_is_not_audio(app: Flask, tmp_path: Path) -> None:
    junk = tmp_path / "notes.wav"
    junk.write_text("not audio")

    result = cli(app, "run", str(junk))

    assert result.exit_code == 1
    assert "not a readable audio file" in result.output


def test_run_checks_the_audio_before_loading_the_model(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    # The configured model does not exist: reaching it would fail with a model error instead.
    app = make_app(vosk_model=tmp_path / "no-model-here")
    junk = tmp_path / "notes.wav"
    junk.write_text("not audio")

    result = cli(app, "run", str(junk))

    assert result.exit_code == 1
    assert "not a readable audio file" in result.output
    assert "model" not in result.output


def test_run_warns_of_a_truncated_file_and_transcribes_it(
    app: Flask, model: LoadedModel, tmp_path: Path
) -> None:
    data = VOICEMAIL.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) // 2])

    result = cli(app, "run", str(cut))

    assert result.exit_code == 0, result.output
    assert "cut.wav is truncated" in result.stderr
    assert result.stdout.splitlines()[0] == transcribe(cut, model).text


def test_models_names_the_model_in_use_and_where_it_was_found(
    app: Flask, model: LoadedModel
) -> None:
    result = cli(app, "models")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (f"In use: {model.path} (found by HOTLINE_VOSK_MODEL)")


def test_models_without_one_says_how_to_install_the_chinese_model(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(vosk_model=None, vosk_model_packages=False)

    result = cli(app, "models")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("No Vosk model: voicemails wait in `awaiting_model`")
    assert "  make model    # or: flask --app app transcripts install-model\n" in result.stdout
    assert (
        "flask --app app transcripts install-model"
        " https://alphacephei.com/vosk/models/vosk-model-cn-0.22.zip --sha256 HEX" in result.stdout
    )


def model_zip(tmp_path: Path) -> Path:
    """A zip shaped like the published Chinese models: one folder, am/ and conf/ inside."""
    archive = tmp_path / f"{SMALL_CN}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("am/final.mdl", "conf/mfcc.conf", "graph/HCLr.fst", "README"):
            zf.writestr(f"{SMALL_CN}/{name}", f"stand-in for {name}\n")
    return archive


def test_install_model_from_a_local_zip(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    app = make_app(vosk_model=None, vosk_model_packages=False)
    archive = model_zip(tmp_path)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    models_dir = app.extensions["hotline.settings"].models_dir

    wrong = cli(app, "install-model", str(archive), "--sha256", "0" * 64)
    installed = cli(app, "install-model", str(archive), "--sha256", digest)
    again = cli(app, "install-model", str(archive))
    replaced = cli(app, "install-model", str(archive), "--replace")
    listed = cli(app, "models")

    assert wrong.exit_code == 1 and f"expected {'0' * 64}" in wrong.output
    assert installed.exit_code == 0, installed.output
    assert f"installed {SMALL_CN} at {models_dir / SMALL_CN}" in installed.stdout
    assert again.exit_code == 1 and "already exists" in again.output
    assert replaced.exit_code == 0, replaced.output
    assert sorted(p.name for p in models_dir.iterdir()) == [SMALL_CN]
    assert (models_dir / SMALL_CN / "README").read_text() == "stand-in for README\n"
    assert listed.stdout.splitlines()[0] == (
        f"In use: {models_dir / SMALL_CN} (found by models dir)"
    )


def test_retry_inline_runs_pending_then_failed_recordings(
    app: Flask, session: Session, host: RecordingsHost
) -> None:
    clip = SHORT_ZH.read_bytes()
    pending = voicemail(session, host, clip)  # never queued: the broker was down
    failed = voicemail(session, host, clip, status=S.FAILED, failure_reason="download: HTTP 404")
    old = voicemail(session, host, clip, status=S.FAILED, created_at=utcnow() - timedelta(days=30))
    since = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%d")

    first = cli(app, "retry", "--inline", "--since", since)
    assert first.exit_code == 0, first.output
    assert "    1  transcribed" in first.stdout
    assert [fresh(session, r).status for r in (pending, failed, old)] == [
        S.TRANSCRIBED,
        S.FAILED,
        S.FAILED,
    ]

    second = cli(app, "retry", "--failed", "--inline", "--since", since)
    assert second.exit_code == 0, second.output
    assert "    1  transcribed" in second.stdout
    row = fresh(session, failed)
    assert (row.status, row.failure_reason) == (S.TRANSCRIBED, None)
    assert fresh(session, old).status is S.FAILED


def test_retry_queues_jobs_for_the_worker(
    app: Flask, session: Session, host: RecordingsHost
) -> None:
    failed = voicemail(session, host, SHORT_ZH.read_bytes(), status=S.FAILED, failure_reason="x")
    queued_jobs(app)

    result = cli(app, "retry", "--failed")

    assert result.exit_code == 0, result.output
    assert "    1  queued" in result.stdout
    assert queued_jobs(app) == [failed.id]
    row = fresh(session, failed)
    assert (row.status, row.enqueued_at is not None) == (S.AWAITING_DOWNLOAD, True)


def test_reprocess_keeps_the_old_transcript_as_history(
    app: Flask, session: Session, host: RecordingsHost, model: LoadedModel
) -> None:
    recording = voicemail(session, host, SHORT_ZH.read_bytes())
    process_recording(recording.id)
    since = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%d")

    result = cli(app, "reprocess", "--since", since, "--model", str(model.path))

    assert result.exit_code == 0, result.output
    assert "    1  transcribed" in result.stdout
    session.expire_all()
    history = session.scalars(select(Transcript).order_by(Transcript.id)).all()
    assert [t.current for t in history] == [False, True]
    assert fresh(session, recording).status is S.TRANSCRIBED


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    """A two-clip manifest (Mandarin and English) in the shared clips' format."""
    path = tmp_path / "MANIFEST.tsv"
    rows = ["path\tlang\treference_text"]
    rows += [f"{SPEECH / clip}\t{lang}\t{text}" for clip, lang, text in MANIFEST_ROWS]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("options", "quality"), [((), "as recorded"), (("--rate", "8000", "--mulaw"), "8 kHz mu-law")]
)
def test_eval_prints_error_rates_and_real_time_factor(
    app: Flask, model: LoadedModel, manifest: Path, options: tuple[str, ...], quality: str
) -> None:
    result = cli(app, "eval", str(manifest), *options)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{model.name} on MANIFEST.tsv ({quality})"
    assert re.match(r"^ +\d+\.\d% cer +0\.96 +\d+\.\d\d  .*zh/uberi_chinese\.wav$", lines[2])
    assert any(re.match(r"^ +\d+\.\d% wer +2\.79 .*en/psx_goforward\.wav$", x) for x in lines)
    assert any(re.fullmatch(r"overall en: WER \d+\.\d%", x) for x in lines)
    assert any(re.fullmatch(r"overall zh: CER \d+\.\d%", x) for x in lines)
    assert re.fullmatch(r"real-time factor: \d\.\d{3} \(decode s per audio s\)", lines[-1])


@pytest.mark.parametrize(
    "options", [("--mulaw",), ("--rate", "8000"), ("--rate", "16000", "--mulaw")]
)
def test_eval_rejects_other_degradations(
    app: Flask, manifest: Path, options: tuple[str, ...]
) -> None:
    result = cli(app, "eval", str(manifest), *options)

    assert result.exit_code == 2
    assert "--rate 8000 --mulaw together" in result.output


def test_eval_shows_progress_and_names_each_clip(
    app: Flask, manifest: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="transcripts")

    result = cli(app, "eval", str(manifest), "--rate", "8000", "--mulaw")

    assert result.exit_code == 0, result.output
    # The bar (stderr) counts the clips; the clips' own names appear, never scratch names.
    assert "2 clips" in result.stderr
    decoded = [r.getMessage() for r in caplog.records if r.getMessage().startswith("transcribed")]
    assert [m.split(":")[0] for m in decoded] == [
        "transcribed uberi_chinese.wav",
        "transcribed psx_goforward.wav",
    ]
