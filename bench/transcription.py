"""Transcription throughput: a plain Vosk loop against transcripts.transcribe on the same clips.

    python bench/transcription.py [--model DIR] [--models-dir DIR] [--speech-dir DIR] [--repeat N]

Speed is audio seconds decoded per wall second (higher is faster); each path's best of --repeat
runs over all clips counts, so a busy machine penalises both paths alike. Target: ours >= 0.95x raw.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import vosk

REPO = Path(__file__).resolve().parents[1]
# Run as a script (python bench/transcription.py), so the repo root is not on sys.path by itself.
sys.path.insert(0, str(REPO))

from transcripts import LoadedModel, Transcript, load_model, resolve_model, transcribe  # noqa: E402

Decode = Callable[[LoadedModel, Path], object]


@dataclass(frozen=True)
class Row:
    """One line of the table: a way of transcribing, timed over all clips."""

    name: str
    audio_s: float
    wall_s: float

    @property
    def speed(self) -> float:
        """Audio seconds per wall second."""
        return self.audio_s / self.wall_s


def proc_status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def raw_decode(model: LoadedModel, path: Path) -> str:
    """Vosk's own example loop: wave module, 4000-frame chunks, every result's text joined."""
    with wave.open(str(path)) as wf:
        recognizer = vosk.KaldiRecognizer(model.model, wf.getframerate())
        recognizer.SetWords(True)
        texts = []
        while data := wf.readframes(4000):
            if recognizer.AcceptWaveform(data):
                texts.append(json.loads(recognizer.Result())["text"])
        texts.append(json.loads(recognizer.FinalResult())["text"])
    return " ".join(texts)


def ours_decode(model: LoadedModel, path: Path) -> Transcript:
    """The library path the worker uses."""
    return transcribe(path, model)


def audio_seconds(clips: Sequence[Path]) -> float:
    """Total duration of WAV clips."""
    total = 0.0
    for clip in clips:
        with wave.open(str(clip)) as wf:
            total += wf.getnframes() / wf.getframerate()
    return total


def time_all(decode: Decode, model: LoadedModel, clips: Sequence[Path]) -> float:
    """Wall seconds to decode every clip once."""
    started = time.perf_counter()
    for clip in clips:
        decode(model, clip)
    return time.perf_counter() - started


def in_process_rows(model: LoadedModel, clips: Sequence[Path], repeat: int) -> list[Row]:
    """Raw loop and ours, alternated run by run so load changes hit both; best run of each."""
    paths: dict[str, Decode] = {"raw vosk loop": raw_decode, "transcripts.transcribe": ours_decode}
    best = dict.fromkeys(paths, float("inf"))
    for _ in range(repeat):
        for name, decode in paths.items():
            best[name] = min(best[name], time_all(decode, model, clips))
    total = audio_seconds(clips)
    return [Row(name, total, wall) for name, wall in best.items()]


def print_table(rows: Sequence[Row], baseline: Row) -> None:
    """The comparison table; `baseline` is the row ratios are taken against."""
    print(f"{'path':<28}{'audio s':>9}{'wall s':>9}{'audio s/wall s':>16}{'vs raw':>8}")
    for row in rows:
        ratio = row.speed / baseline.speed
        print(
            f"{row.name:<28}{row.audio_s:>9.1f}{row.wall_s:>9.2f}{row.speed:>16.2f}{ratio:>7.2f}x"
        )


def main(argv: Sequence[str] | None = None) -> None:
    """Load the model, time both paths over the clips, print the table and memory figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model directory (default: resolve as the app)")
    parser.add_argument("--models-dir", type=Path, default=REPO / "var" / "models")
    parser.add_argument("--speech-dir", type=Path, default=REPO / ".." / "shared" / "speech")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)

    location = resolve_model(args.model, args.models_dir)
    if location is None:
        sys.exit(f"no Vosk model: pass --model or install one into {args.models_dir}")
    clips = sorted(args.speech_dir.glob("*/*.wav"))
    if not clips:
        sys.exit(f"no clips under {args.speech_dir}")

    before_load = proc_status_mb("VmRSS")
    model = load_model(location.path)
    footprint = proc_status_mb("VmRSS") - before_load
    # The first decode on a model builds caches that later ones reuse; keep it out of the timing.
    raw_decode(model, clips[0])

    print(f"model {model.name} ({location.source}), {len(clips)} clips, best of {args.repeat}")
    rows = in_process_rows(model, clips, args.repeat)
    # Celery rows (1 vs 2 worker processes, warm per-task overhead) are appended here: each is a
    # function of (model, clips, repeat) returning Rows, measured against the same raw baseline.
    print_table(rows, baseline=rows[0])
    print(f"model footprint (RSS after load - before): {footprint:.0f} MB")
    print(f"peak RSS of this process: {proc_status_mb('VmHWM'):.0f} MB")


if __name__ == "__main__":
    main()
