"""Audio input: every format and rate becomes mono 16-bit PCM at a rate Vosk accepts."""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.transcripts.conftest import PHONE_CLIP, ZH_CLIP
from transcripts.audio import CHUNK_FRAMES, AudioError, PcmStream, to_telephone


def pcm(path: Path) -> np.ndarray:
    """All samples a PcmStream yields for `path`, as int16."""
    return np.frombuffer(b"".join(PcmStream(path)), dtype="<i2")


def wave_chunks(path: Path) -> list[bytes]:
    """The chunks a plain `wave` loop reads, the way Vosk's examples feed a recognizer."""
    with wave.open(str(path)) as wf:
        return list(iter(lambda: wf.readframes(CHUNK_FRAMES), b""))


@pytest.mark.parametrize("clip", [ZH_CLIP, PHONE_CLIP])
def test_pcm16_wav_is_passed_through_byte_for_byte_in_the_same_chunks(
    speech_dir: Path, clip: str
) -> None:
    stream = PcmStream(speech_dir / clip)
    assert list(stream) == wave_chunks(speech_dir / clip)
    assert stream.rate == sf.info(str(speech_dir / clip)).samplerate
    assert stream.duration_s == pytest.approx(sf.info(str(speech_dir / clip)).duration)


@pytest.mark.parametrize(
    "variant", ["flac-16k", "wav-16k-stereo", "wav-16k-pcm24", "wav-16k-pcm32", "wav-16k-float"]
)
def test_lossless_variants_give_the_original_samples(
    speech_dir: Path, variant_of: Callable[[str, str], Path], variant: str
) -> None:
    original = pcm(speech_dir / ZH_CLIP)
    np.testing.assert_array_equal(pcm(variant_of(ZH_CLIP, variant)), original)


@pytest.mark.parametrize("variant", ["wav-8k-mulaw", "wav-8k-alaw", "wav-16k-pcmu8"])
def test_companded_and_8_bit_audio_decode_like_libsndfile(
    variant_of: Callable[[str, str], Path], variant: str
) -> None:
    path = variant_of(ZH_CLIP, variant)
    expected, _ = sf.read(str(path), dtype="int16")
    np.testing.assert_array_equal(pcm(path), expected)


@pytest.mark.parametrize(
    ("variant", "rate"),
    [
        ("wav-8k-pcm16", 8000),
        ("wav-8k-mulaw", 8000),
        ("wav-44k1-pcm16", 44100),
        ("wav-48k-pcm16", 48000),
        ("mp3-16k", 16000),
        ("wav-96k-pcm16", 16000),
    ],
)
def test_rates_vosk_accepts_are_fed_natively_others_resampled_to_16k(
    variant_of: Callable[[str, str], Path], variant: str, rate: int
) -> None:
    stream = PcmStream(variant_of(ZH_CLIP, variant))
    samples = np.frombuffer(b"".join(stream), dtype="<i2")
    assert stream.rate == rate
    assert stream.duration_s == pytest.approx(4.28, abs=0.01)
    assert len(samples) == pytest.approx(stream.duration_s * rate, rel=0.01)
    assert np.abs(samples).max() > 1000  # speech, not silence or noise floor


def test_stereo_is_downmixed_to_the_mean_of_the_channels(tmp_path: Path) -> None:
    left = np.linspace(-0.5, 0.5, 16000, dtype=np.float32)
    path = tmp_path / "stereo.wav"
    sf.write(str(path), np.column_stack([left, np.zeros_like(left)]), 16000, "FLOAT")
    np.testing.assert_allclose(pcm(path), np.rint(left / 2 * 32768), atol=1)


def test_out_of_range_floats_are_clipped_not_wrapped(tmp_path: Path) -> None:
    path = tmp_path / "loud.wav"
    sf.write(str(path), np.array([2.0, -2.0, 1.0], dtype=np.float32), 16000, "FLOAT")
    assert pcm(path).tolist() == [32767, -32768, 32767]


def test_empty_audio_yields_no_samples(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    sf.write(str(path), np.zeros(0, dtype=np.int16), 16000, "PCM_16")
    stream = PcmStream(path)
    assert b"".join(stream) == b""
    assert stream.duration_s == 0.0


def test_to_telephone_writes_8k_mono_mulaw(speech_dir: Path, tmp_path: Path) -> None:
    out = to_telephone(speech_dir / ZH_CLIP, tmp_path / "phone.wav")
    info = sf.info(str(out))
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "ULAW")
    assert info.duration == pytest.approx(4.28, abs=0.01)


def corrupt_files(folder: Path, speech_dir: Path) -> dict[str, Path]:
    wav = (speech_dir / ZH_CLIP).read_bytes()
    contents = {
        "random.wav": bytes(range(256)) * 64,
        "empty.wav": b"",
        "header-only.wav": wav[:40],
        "text.mp3": b"this is not audio\n" * 100,
    }
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in contents} | {"missing.wav": folder / "missing.wav"}


@pytest.mark.parametrize(
    "name", ["random.wav", "empty.wav", "header-only.wav", "text.mp3", "missing.wav"]
)
def test_unreadable_files_raise_audio_error(speech_dir: Path, tmp_path: Path, name: str) -> None:
    path = corrupt_files(tmp_path, speech_dir)[name]
    with pytest.raises(AudioError, match=name):
        list(PcmStream(path))


def test_corruption_inside_the_stream_raises_audio_error(
    variant_of: Callable[[str, str], Path], tmp_path: Path
) -> None:
    data = bytearray(variant_of(ZH_CLIP, "flac-16k").read_bytes())
    middle = len(data) // 2
    data[middle : middle + 2000] = b"\xff" * 2000
    path = tmp_path / "damaged.flac"
    path.write_bytes(bytes(data))
    stream = PcmStream(path)  # the header is intact
    with pytest.raises(AudioError, match="cannot decode"):
        list(stream)
