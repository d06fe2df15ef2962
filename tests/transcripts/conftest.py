"""Fixtures for the transcription tests: the shared clips, every decode of them, their variants
(the real dev model is the root conftest's `model`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

from tests.helpers import MANIFEST, SPEECH
from transcripts import LoadedModel
from transcripts.evaluate import EvalReport, evaluate_manifest

ZH_CLIP = "zh/wenet_aishell-BAC009S0724W0121.wav"  # 4.3 s, 16 kHz Mandarin
EN_CLIP = "en/wenet_librispeech-1995-1837-0001.wav"  # 8.7 s, 16 kHz English
PHONE_CLIP = "en/osr_us_000_0034_8k.wav"  # 35.5 s, recorded at 8 kHz

# name -> (sample rate or None for the source's, channels, container, subtype, suffix)
VARIANTS: dict[str, tuple[int | None, int, str, str, str]] = {
    "wav-8k-pcm16": (8000, 1, "WAV", "PCM_16", "wav"),
    "wav-8k-mulaw": (8000, 1, "WAV", "ULAW", "wav"),
    "wav-8k-alaw": (8000, 1, "WAV", "ALAW", "wav"),
    "wav-44k1-pcm16": (44100, 1, "WAV", "PCM_16", "wav"),
    "wav-48k-pcm16": (48000, 1, "WAV", "PCM_16", "wav"),
    "wav-96k-pcm16": (96000, 1, "WAV", "PCM_16", "wav"),
    "wav-16k-stereo": (None, 2, "WAV", "PCM_16", "wav"),
    "wav-16k-pcm24": (None, 1, "WAV", "PCM_24", "wav"),
    "wav-16k-pcm32": (None, 1, "WAV", "PCM_32", "wav"),
    "wav-16k-pcmu8": (None, 1, "WAV", "PCM_U8", "wav"),
    "wav-16k-float": (None, 1, "WAV", "FLOAT", "wav"),
    "flac-16k": (None, 1, "FLAC", "PCM_16", "flac"),
    "mp3-16k": (None, 1, "MP3", "MPEG_LAYER_III", "mp3"),
}


def _fail_unless(exists: bool, message: str) -> None:
    # Never skip: without the model or the clips these tests would prove nothing, in CI or not.
    if not exists:
        pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def speech_dir() -> Path:
    """The shared real speech clips (shared/speech beside the repo)."""
    _fail_unless(MANIFEST.is_file(), f"speech clips missing: no {MANIFEST.resolve()}")
    return SPEECH


@pytest.fixture(scope="session")
def manifest_report(model: LoadedModel, speech_dir: Path) -> EvalReport:
    """Every shared clip transcribed and scored once; several tests read the same decodes."""
    return evaluate_manifest(MANIFEST, model)


def _write_variant(src: Path, dst: Path, variant: str) -> Path:
    """Write `src` again in one of the VARIANTS formats (resampled with soxr when asked)."""
    rate, channels, container, subtype, _ = VARIANTS[variant]
    samples, source_rate = sf.read(str(src), dtype="float32")
    if rate is not None and rate != source_rate:
        samples = soxr.resample(samples, source_rate, rate)
    if channels == 2:
        samples = np.column_stack([samples, samples])
    # The highest constant bitrate: libsndfile's lower MP3 settings write frames mpg123 rejects.
    extra = {"bitrate_mode": "CONSTANT", "compression_level": 0.0} if container == "MP3" else {}
    sf.write(str(dst), samples, rate or source_rate, subtype, format=container, **extra)
    return dst


@pytest.fixture(scope="session")
def variant_of(
    speech_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str, str], Path]:
    """Derive (once per run) a clip in another format, rate or channel layout."""
    folder = tmp_path_factory.mktemp("variants")

    def make(clip: str, variant: str) -> Path:
        dst = folder / f"{Path(clip).stem}.{variant}.{VARIANTS[variant][4]}"
        return dst if dst.exists() else _write_variant(speech_dir / clip, dst, variant)

    return make
