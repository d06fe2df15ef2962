"""Turn an audio file into a Transcript with a loaded Vosk model."""

from __future__ import annotations

import ctypes
import functools
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transcripts.audio import PcmStream
from transcripts.model import LoadedModel

logger = logging.getLogger(__name__)

# Korean writes spaces between words, Hanja included, so its tokens are joined as they come.
_SPACED_LANGUAGES = frozenset({"ko"})
# Scripts written without spaces between words: CJK ideographs, kana, CJK punctuation.
_CJK_RANGES = (
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3000, 0x30FF),  # CJK symbols and punctuation, hiragana, katakana
    (0x3100, 0x312F),  # bopomofo
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF00, 0xFF65),  # fullwidth forms and halfwidth CJK punctuation
    (0x20000, 0x3134F),  # CJK extensions B to G and compatibility supplement
)


@dataclass(frozen=True)
class Word:
    """One recognised word with its time span in seconds and Vosk's confidence (0-1)."""

    word: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class Transcript:
    """The text of one audio file as decoded by one model."""

    text: str
    words: tuple[Word, ...]
    confidence: float  # mean word confidence, 0.0 when nothing was recognised
    duration_s: float  # length of the audio
    model_name: str
    language: str
    decode_seconds: float  # wall time spent reading and decoding


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def normalize_text(tokens: Iterable[str], language: str) -> str:
    """Join recognised tokens as the language writes them: no space next to a CJK character."""
    parts = [part for token in tokens for part in token.split()]
    if language in _SPACED_LANGUAGES:
        return " ".join(parts)
    pieces: list[str] = []
    for part in parts:
        # Keep a space only between two non-CJK tokens ("room 302"), never beside CJK ("3号").
        if pieces and not (_is_cjk(pieces[-1][-1]) or _is_cjk(part[0])):
            pieces.append(" ")
        pieces.append(part)
    return "".join(pieces)


@functools.cache
def _libc() -> ctypes.CDLL:
    # libvosk links libc dynamically, so the rand() it calls is this process's rand().
    return ctypes.CDLL(None)


def reset_dither() -> None:
    """Reseed the libc rand() Kaldi dithers audio with, so a file always decodes the same way."""
    # Kaldi adds random noise (dither) to every audio frame, seeded from the process-wide rand().
    # Unseeded, a transcript depends on how many files this process decoded before it. Two decodes
    # running at once in threads share rand() again; Celery's prefork workers decode one at a time.
    _libc().srand(0)


def transcribe(
    audio: Path,
    model: LoadedModel,
    *,
    language: str = "zh",
    progress: Callable[[float], None] | None = None,
) -> Transcript:
    """Decode an audio file (any format and rate soundfile reads) into a Transcript;
    `progress` is called with the seconds of audio decoded so far after every chunk."""
    started = time.perf_counter()
    stream = PcmStream(audio)
    reset_dither()
    import vosk

    recognizer = vosk.KaldiRecognizer(model.model, stream.rate)
    recognizer.SetWords(True)
    results: list[dict[str, Any]] = []
    for chunk in stream:
        if recognizer.AcceptWaveform(chunk):
            results.append(json.loads(recognizer.Result()))
        if progress is not None:
            progress(stream.duration_s)
    results.append(json.loads(recognizer.FinalResult()))
    elapsed = time.perf_counter() - started

    words = tuple(
        Word(str(w["word"]), float(w["start"]), float(w["end"]), float(w["conf"]))
        for result in results
        for w in result.get("result", ())
    )
    text = normalize_text((str(result.get("text", "")) for result in results), language)
    confidence = sum(w.confidence for w in words) / len(words) if words else 0.0
    logger.info(
        "transcribed %s: %.1fs of audio in %.1fs, %d words",
        audio.name,
        stream.duration_s,
        elapsed,
        len(words),
    )
    return Transcript(
        text=text,
        words=words,
        confidence=confidence,
        duration_s=stream.duration_s,
        model_name=model.name,
        language=language,
        decode_seconds=elapsed,
    )
