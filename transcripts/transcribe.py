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

from transcripts.audio import PcmStream, region_chunks
from transcripts.model import LoadedModel
from transcripts.vad import DetectionFailed, Region, speech_regions

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
    decode_seconds: float  # wall time spent reading, detecting speech and decoding
    decoded_s: float  # seconds of audio Vosk decoded (the speech regions' total with VAD)
    truncated: bool = False  # the file held less audio than its header announced


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
    language: str | None = None,
    vad: bool = True,
    progress: Callable[[float], None] | None = None,
) -> Transcript:
    """Decode an audio file (any format and rate soundfile reads) into a Transcript.

    `language` defaults to the model's. With `vad`, only the speech regions (padded) are decoded,
    each by a fresh recognizer, with word times kept in the recording's own time; if detection
    fails the whole recording is decoded. `progress` is called with the position in the recording
    (seconds) reached so far, after every chunk.
    """
    started = time.perf_counter()
    stream = PcmStream(audio)
    info = stream.info
    language = language or model.language
    regions: tuple[Region, ...] | None = None
    if vad:
        try:
            regions = speech_regions(audio, info, progress=progress)
        except DetectionFailed as exc:
            logger.warning("%s: decoding all of it: %s", audio.name, exc)
    results: list[tuple[float, dict[str, Any]]] = []
    if regions is None:
        results.extend((0.0, r) for r in _decode(model, stream.rate, stream, progress, stream))
        duration_s = decoded_s = stream.duration_s
    else:
        for region in regions:
            chunks = region_chunks(audio, info, stream.rate, region.start_s, region.end_s)
            results.extend(
                (region.start_s, r) for r in _decode(model, stream.rate, chunks, progress, region)
            )
        duration_s = info.duration_s
        decoded_s = sum(region.duration_s for region in regions)
    elapsed = time.perf_counter() - started

    words = tuple(
        Word(
            str(w["word"]),
            round(offset + float(w["start"]), 3),
            round(offset + float(w["end"]), 3),
            float(w["conf"]),
        )
        for offset, result in results
        for w in result.get("result", ())
    )
    text = normalize_text((str(result.get("text", "")) for _, result in results), language)
    confidence = sum(w.confidence for w in words) / len(words) if words else 0.0
    logger.info(
        "transcribed %s: %.1fs of audio (%.1fs decoded) in %.1fs, %d words%s",
        audio.name,
        duration_s,
        decoded_s,
        elapsed,
        len(words),
        ", file truncated" if info.truncated else "",
    )
    return Transcript(
        text=text,
        words=words,
        confidence=confidence,
        duration_s=duration_s,
        model_name=model.name,
        language=language,
        decode_seconds=elapsed,
        decoded_s=decoded_s,
        truncated=info.truncated,
    )


def _decode(
    model: LoadedModel,
    rate: int,
    chunks: Iterable[bytes],
    progress: Callable[[float], None] | None,
    where: PcmStream | Region,
) -> list[dict[str, Any]]:
    """Vosk's results for one stretch of audio, fed as it comes, by a fresh recognizer."""
    import vosk

    # Every stretch starts from the same dither seed and an empty recognizer, so a region decodes
    # exactly as the same audio would on its own.
    reset_dither()
    recognizer = vosk.KaldiRecognizer(model.model, rate)
    recognizer.SetWords(True)
    results: list[dict[str, Any]] = []
    fed = 0
    for chunk in chunks:
        if recognizer.AcceptWaveform(chunk):
            results.append(json.loads(recognizer.Result()))
        if progress is not None:
            fed += len(chunk) // 2
            progress(
                where.duration_s
                if isinstance(where, PcmStream)
                else min(where.end_s, where.start_s + fed / rate)
            )
    results.append(json.loads(recognizer.FinalResult()))
    return results
