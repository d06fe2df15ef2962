"""A WAV cut short (its data chunk shorter than the header says) is transcribed as far as it
goes and reported as truncated; whole files and headers that promise no length are not."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
import soundfile as sf

from tests.helpers import VOICEMAIL
from transcripts import LoadedModel, transcribe
from transcripts.audio import probe, wav_truncated


def cut(src: Path, dst: Path, fraction: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def test_whole_wav_is_not_truncated() -> None:
    assert probe(VOICEMAIL).truncated is False


@pytest.mark.parametrize("fraction", [0.5, 0.999])
def test_wav_cut_short_is_truncated(tmp_path: Path, fraction: float) -> None:
    info = probe(cut(VOICEMAIL, tmp_path / "cut.wav", fraction))

    assert info.truncated is True
    assert 0 < info.duration_s < probe(VOICEMAIL).duration_s


def test_streaming_header_without_a_length_is_not_truncated(tmp_path: Path) -> None:
    # Writers that stream (and never seek back) leave 0xFFFFFFFF as the data length.
    data = bytearray(VOICEMAIL.read_bytes())
    at = data.index(b"data")
    data[at + 4 : at + 8] = struct.pack("<I", 0xFFFFFFFF)
    path = tmp_path / "streamed.wav"
    path.write_bytes(bytes(data))

    assert wav_truncated(path) is False


def test_other_formats_are_never_called_truncated(tmp_path: Path) -> None:
    samples, rate = sf.read(str(VOICEMAIL), dtype="int16")
    path = tmp_path / "voicemail.flac"
    sf.write(str(path), samples, rate)

    assert wav_truncated(path) is False


def test_truncated_wav_is_transcribed_as_far_as_it_goes(model: LoadedModel, tmp_path: Path) -> None:
    path = cut(VOICEMAIL, tmp_path / "cut.wav", 0.6)
    whole = transcribe(VOICEMAIL, model)

    transcript = transcribe(path, model)

    assert transcript.truncated is True
    assert transcript.duration_s == pytest.approx(0.6 * whole.duration_s, abs=0.05)
    assert transcript.text
    assert all(word.end <= transcript.duration_s + 0.05 for word in transcript.words)
    assert whole.truncated is False
