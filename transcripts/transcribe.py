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
from typing import TYPE_CHECKING, Any

from transcripts.audio import PcmStream, region_chunks
from transcripts.model import LoadedModel
from transcripts.vad import DetectionFailed, Region, speech_regions

if TYPE_CHECKING:
    import vosk

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
    each as if on its own, with word times kept in the recording's own time; if detection fails
    the whole recording is decoded. One recognizer decodes them all (see _Recognizer).
    `progress` is called with the position in the recording (seconds) reached so far, after
    every chunk.
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
    recognizer = _Recognizer(model, stream.rate)
    if regions is None:
        results.extend((0.0, r) for r in recognizer.results(stream, progress, stream))
        duration_s = decoded_s = stream.duration_s
    else:
        for region in regions:
            chunks = region_chunks(audio, info, stream.rate, region.start_s, region.end_s)
            results.extend(
                (region.start_s, r) for r in recognizer.results(chunks, progress, region)
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


class _Recognizer:
    """One recording's recognizer, made at its first stretch and kept for the next ones.

    A new recognizer is slow to start (the small models compose their graph on the fly, and
    each recognizer fills its own cache of it): measured with the dev model, a 5.7 s stretch
    took 3.3 CPU-seconds on a new recognizer and 0.8 on one that had decoded the stretch before
    it. Kept across recordings it would be faster still, but what it carries from one caller's
    audio changed another's words, so each recording gets its own, as a plain Vosk loop would.
    """

    def __init__(self, model: LoadedModel, rate: int) -> None:
        self.model, self.rate = model, rate
        self._vosk: vosk.KaldiRecognizer | None = None
        self.fed_samples = 0  # since it was made: Vosk counts word times from there

    def results(
        self,
        chunks: Iterable[bytes],
        progress: Callable[[float], None] | None,
        where: PcmStream | Region,
    ) -> list[dict[str, Any]]:
        """Vosk's results for one stretch of audio, fed as it comes, with word times made the
        stretch's own."""
        import vosk

        # Every stretch starts from the same dither seed and a finalised recognizer (its next
        # sample starts a new feature pipeline and decoder).
        reset_dither()
        if self._vosk is None:
            self._vosk = vosk.KaldiRecognizer(self.model.model, self.rate)
            self._vosk.SetWords(True)
        offset_s = self.fed_samples / self.rate
        results: list[dict[str, Any]] = []
        fed = 0
        for chunk in chunks:
            if self._vosk.AcceptWaveform(chunk):
                results.append(json.loads(self._vosk.Result()))
            fed += len(chunk) // 2
            if progress is not None:
                progress(
                    where.duration_s
                    if isinstance(where, PcmStream)
                    else min(where.end_s, where.start_s + fed / self.rate)
                )
        results.append(json.loads(self._vosk.FinalResult()))
        self.fed_samples += fed
        _shift(results, offset_s)
        return results


def _shift(results: list[dict[str, Any]], offset_s: float) -> None:
    """Move the results' word times `offset_s` earlier."""
    for result in results:
        for word in result.get("result", ()):
            word["start"] = float(word["start"]) - offset_s
            word["end"] = float(word["end"]) - offset_s
