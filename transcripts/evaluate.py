"""Measure transcription accuracy and speed on a manifest of clips with reference texts."""

from __future__ import annotations

import csv
import logging
import tempfile
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from transcripts.audio import probe, to_telephone
from transcripts.model import LoadedModel
from transcripts.transcribe import Transcript, transcribe

logger = logging.getLogger(__name__)

# Languages written without spaces between words are scored per character.
CER_LANGUAGES = frozenset({"zh", "yue", "ja", "ko"})
_APOSTROPHES = frozenset("'\u2019")
_MANIFEST_COLUMNS = ("path", "lang", "reference_text")

Metric = Literal["cer", "wer"]


@dataclass(frozen=True)
class EvalRow:
    """The score of one clip."""

    path: str  # as written in the manifest
    lang: str
    metric: Metric
    error_rate: float
    edits: int
    ref_units: int  # characters (CER) or words (WER) in the reference
    audio_seconds: float
    decode_seconds: float
    reference: str
    hypothesis: str


@dataclass(frozen=True)
class EvalReport:
    """Per-clip rows plus pooled error per language and the real-time factor."""

    rows: tuple[EvalRow, ...]
    error_by_language: Mapping[str, float]  # total edits / total reference units
    real_time_factor: float  # decode seconds per audio second; below 1 is faster than real time
    telephone: bool


def _normalize(text: str) -> str:
    """Casefold, drop apostrophes, turn other punctuation into spaces, squeeze whitespace."""
    chars = []
    for char in unicodedata.normalize("NFKC", text).casefold():
        if char in _APOSTROPHES:
            continue  # "neighbor's" and "neighbors" are one word to a recogniser
        chars.append(" " if unicodedata.category(char).startswith("P") else char)
    return " ".join("".join(chars).split())


def _units(text: str, metric: Metric) -> list[str]:
    normalized = _normalize(text)
    return list(normalized.replace(" ", "")) if metric == "cer" else normalized.split()


def _edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Levenshtein distance (substitutions, insertions, deletions all cost 1)."""
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        current = [i]
        for j, h in enumerate(hyp, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def _rate(edits: int, ref_units: int) -> float:
    # An empty reference scores 0 for an empty hypothesis and 1 (all wrong) for anything else.
    if ref_units == 0:
        return 0.0 if edits == 0 else 1.0
    return edits / ref_units


def cer(ref: str, hyp: str) -> float:
    """Character error rate of `hyp` against `ref`, ignoring case, punctuation and spaces."""
    ref_units, hyp_units = _units(ref, "cer"), _units(hyp, "cer")
    return _rate(_edit_distance(ref_units, hyp_units), len(ref_units))


def wer(ref: str, hyp: str) -> float:
    """Word error rate of `hyp` against `ref`, ignoring case and punctuation."""
    ref_units, hyp_units = _units(ref, "wer"), _units(hyp, "wer")
    return _rate(_edit_distance(ref_units, hyp_units), len(ref_units))


def char_edits(ref: str, hyp: str) -> tuple[int, int]:
    """(character edits, reference characters) of `hyp` against `ref`, for pooling a CER over
    many clips."""
    ref_units = _units(ref, "cer")
    return _edit_distance(ref_units, _units(hyp, "cer")), len(ref_units)


def metric_for(language: str) -> Metric:
    """CER for languages written without word spaces, WER otherwise."""
    return "cer" if language in CER_LANGUAGES else "wer"


@dataclass(frozen=True)
class Clip:
    """One clip of a manifest: its path as written there and its length."""

    path: str
    audio_seconds: float


def manifest_clips(manifest: Path) -> list[Clip]:
    """The clips of a manifest with their lengths (headers only): what an evaluation will do."""
    return [
        Clip(entry["path"], probe(manifest.parent / entry["path"]).duration_s)
        for entry in _read_manifest(manifest)
    ]


def evaluate_manifest(
    manifest: Path,
    model: LoadedModel,
    *,
    telephone: bool = False,
    vad: bool = True,
    on_row: Callable[[EvalRow], None] | None = None,
) -> EvalReport:
    """Transcribe every clip of a TSV manifest (path, lang, reference_text) and score it;
    `on_row` hears each clip's score as soon as it is known."""
    entries = _read_manifest(manifest)
    rows: list[EvalRow] = []
    with tempfile.TemporaryDirectory(prefix="hotline-eval-") as scratch:
        for index, entry in enumerate(entries):
            audio = manifest.parent / entry["path"]
            if telephone:
                # The clip's own name (in a folder per clip: names repeat across languages), so
                # logs and errors say which clip, not "3.wav".
                folder = Path(scratch) / str(index)
                folder.mkdir()
                audio = to_telephone(audio, folder / Path(entry["path"]).name)
            row = _score(entry, transcribe(audio, model, language=entry["lang"], vad=vad))
            rows.append(row)
            if on_row is not None:
                on_row(row)
    # Pool edits over a language's clips: a mean of per-clip rates would overweight short clips.
    totals: dict[str, tuple[int, int]] = {}
    for row in rows:
        edits, units = totals.get(row.lang, (0, 0))
        totals[row.lang] = (edits + row.edits, units + row.ref_units)
    audio_seconds = sum(row.audio_seconds for row in rows)
    decode_seconds = sum(row.decode_seconds for row in rows)
    report = EvalReport(
        rows=tuple(rows),
        error_by_language={lang: _rate(e, n) for lang, (e, n) in sorted(totals.items())},
        real_time_factor=decode_seconds / audio_seconds if audio_seconds else 0.0,
        telephone=telephone,
    )
    logger.info(
        "evaluated %d clips of %s (telephone=%s): %s, rtf %.3f",
        len(rows),
        manifest,
        telephone,
        report.error_by_language,
        report.real_time_factor,
    )
    return report


def _read_manifest(manifest: Path) -> list[dict[str, str]]:
    with manifest.open(encoding="utf-8", newline="") as f:
        # QUOTE_NONE: reference texts contain quotes and apostrophes that are not CSV quoting.
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = [c for c in _MANIFEST_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{manifest}: missing column(s) {', '.join(missing)}")
        return list(reader)


def _score(entry: Mapping[str, str], transcript: Transcript) -> EvalRow:
    metric = metric_for(entry["lang"])
    ref_units = _units(entry["reference_text"], metric)
    edits = _edit_distance(ref_units, _units(transcript.text, metric))
    return EvalRow(
        path=entry["path"],
        lang=entry["lang"],
        metric=metric,
        error_rate=_rate(edits, len(ref_units)),
        edits=edits,
        ref_units=len(ref_units),
        audio_seconds=transcript.duration_s,
        decode_seconds=transcript.decode_seconds,
        reference=entry["reference_text"],
        hypothesis=transcript.text,
    )
