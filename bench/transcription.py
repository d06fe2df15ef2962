"""Transcription throughput: a plain Vosk loop, transcripts.transcribe, and the Celery job.

    python bench/transcription.py [--model DIR] [--models-dir DIR] [--speech-dir DIR] [--repeat N]
                                  [--copies N] [--broker URL] [--no-celery]

Speed is audio seconds decoded per wall second (higher is faster); each in-process path's best of
--repeat runs over all clips counts, so a busy machine penalises both paths alike.
Target: ours >= 0.95x raw.

The Celery rows run a real `celery worker` (1, then 2 prefork processes) on a throwaway SQLite
database and Redis db 15 (or an SQLite broker when Redis is down): every clip, --copies times,
becomes a voicemail served by a local HTTP server, and the wall time runs from queueing the jobs
to the last one transcribed. Each worker is warmed first (model loaded in every process).
Targets: 2 workers >= 1.7x one; warm per-task overhead (the worker's task time minus the decode
time inside it, median) <= 50 ms; peak RSS per worker process <= model footprint + 150 MB.

The voicemail table puts every clip of the manifest inside what a voicemail really holds, at
8 kHz mu-law: 5-20 s of silence or line noise (white or pink, 10-20 dB SNR, in turn) before it,
1-3 pauses of 2-5 s inside it and 10-30 s after it (fixed seed). Rows: raw Vosk on that padded
audio, our pipeline (speech detection, then Vosk on the speech) on it, and our pipeline on the
unpadded clip (8 kHz mu-law). Columns: audio seconds per wall second, CPU seconds per audio
second, and CER against the manifest's references (pooled over all clips, spaces ignored).
Target: ours on padded >= 3x raw's audio s/wall s, with a CER no worse than raw's.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
import vosk

REPO = Path(__file__).resolve().parents[1]
# Run as a script (python bench/transcription.py), so the repo root is not on sys.path by itself.
sys.path.insert(0, str(REPO))

from transcripts import LoadedModel, Transcript, load_model, resolve_model, transcribe  # noqa: E402
from transcripts.audio import to_telephone  # noqa: E402
from transcripts.evaluate import char_edits, manifest_clips  # noqa: E402
from transcripts.synthetic import NOISES, random_voicemail  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/15"
# A process that only loads the model and decodes every clip with the raw loop: its peak RSS is
# the model's own footprint at work (decoding adds Kaldi's search buffers to the loaded model).
BARE_VOSK = """
import sys, wave, vosk
vosk.SetLogLevel(-1)
model = vosk.Model(model_path=sys.argv[1])
for clip in sys.argv[2:]:
    with wave.open(clip) as wf:
        recognizer = vosk.KaldiRecognizer(model, wf.getframerate())
        recognizer.SetWords(True)
        while data := wf.readframes(4000):
            recognizer.AcceptWaveform(data)
        recognizer.FinalResult()
status = open("/proc/self/status").read()
print(next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmHWM:")) / 1024)
"""
# Celery's own measure of each task: "Task <name>[<id>] succeeded in 1.234s: None".
TASK_DONE = re.compile(r"process_recording\[([0-9a-f-]+)\] succeeded in ([0-9.]+)s")

Decode = Callable[[LoadedModel, Path], object]


@dataclass(frozen=True)
class Row:
    """One line of the table: a way of transcribing, timed over all clips."""

    name: str
    audio_s: float
    wall_s: float
    # Celery rows only: median of (task time - decode time inside it), and peak RSS per process.
    overhead_ms: float | None = None
    peak_rss_mb: float | None = None

    @property
    def speed(self) -> float:
        """Audio seconds per wall second."""
        return self.audio_s / self.wall_s


def proc_status_mb(field: str, pid: int | str = "self") -> float:
    """A memory figure of a process from /proc/<pid>/status (VmRSS, VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
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
    import soundfile as sf

    return sum(sf.info(str(clip)).duration for clip in clips)


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


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        """Say nothing."""


@contextmanager
def serve_dir(directory: Path) -> Iterator[str]:
    """Serve a directory over HTTP on 127.0.0.1, as the carrier serves recordings."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def broker_url(requested: str | None, scratch: Path) -> str:
    """Redis db 15 (emptied) if it answers, else an SQLite broker in the scratch directory."""
    url = requested or REDIS_URL
    if url.startswith("redis://"):
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()
        except redis.RedisError:
            if requested:
                raise
            url = f"sqla+sqlite:///{scratch / 'broker.db'}"
    return url


class Worker:
    """A `celery worker` subprocess on the transcription queue, with its log."""

    def __init__(self, env: dict[str, str], concurrency: int, log: Path) -> None:
        self.log = log
        self._out = log.open("w")
        command = [
            str(REPO / ".venv" / "bin" / "celery"),
            "-A",
            "worker",
            "worker",
            "--queues",
            "transcription",
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"bench{concurrency}-{secrets.token_hex(3)}@%h",
        ]
        self.process = subprocess.Popen(  # noqa: S603  (our own venv's celery)
            command, cwd=REPO, env=env, stdout=self._out, stderr=subprocess.STDOUT
        )

    def text(self) -> str:
        """Everything the worker logged so far."""
        return self.log.read_text(errors="replace")

    def wait_for(self, needle: str, count: int = 1, timeout: float = 120.0) -> None:
        """Block until `needle` appears `count` times in the log."""
        deadline = time.monotonic() + timeout
        while self.text().count(needle) < count:
            if self.process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"worker never logged {needle!r}; see {self.log}")
            time.sleep(0.1)

    def peak_rss_mb(self) -> float:
        """The largest peak RSS (VmHWM) among the pool's processes (the children)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return max(proc_status_mb("VmHWM", child) for child in children)

    def stop(self) -> None:
        """Warm shutdown, killed if it hangs."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._out.close()


def celery_run(
    model_path: Path,
    clips: Sequence[Path],
    speech_dir: Path,
    concurrency: int,
    copies: int,
    broker: str | None,
) -> Row:
    """Queue every clip `copies` times as voicemails and time a worker of `concurrency`
    processes from the first job queued to the last recording transcribed."""
    from sqlalchemy import func, select

    from hotline import create_app
    from hotline.migrate import upgrade
    from hotline.models import Call, Recording, RecordingStatus, Transcript
    from hotline.settings import Settings
    from hotline.tasks.transcription import process_recording

    with (
        tempfile.TemporaryDirectory(prefix="hotline-bench-") as scratch_name,
        serve_dir(speech_dir) as base_url,
    ):
        scratch = Path(scratch_name)
        env = {
            "HOTLINE_SECRET_KEY": "bench",
            "HOTLINE_VALIDATE_SIGNATURES": "false",
            "HOTLINE_DATABASE_URL": f"sqlite:///{scratch / 'hotline.db'}",
            "HOTLINE_BROKER_URL": broker_url(broker, scratch),
            "HOTLINE_RECORDINGS_DIR": str(scratch / "recordings"),
            "HOTLINE_MODELS_DIR": str(scratch / "models"),
            "HOTLINE_VOSK_MODEL": str(model_path),
            "HOTLINE_LOG_LEVEL": "INFO",
        }
        upgrade(env["HOTLINE_DATABASE_URL"])
        app = create_app(Settings.from_env(env))
        sessions = app.extensions["hotline.db"].sessions

        def queue(batch: Sequence[Path]) -> dict[str, int]:
            """Voicemail rows for `batch`, each job queued; task id -> recording id."""
            with sessions.begin() as session:
                ids = []
                for clip in batch:
                    call = Call(call_sid="CA" + secrets.token_hex(16))
                    session.add(call)
                    session.flush()
                    url = f"{base_url}/{clip.relative_to(speech_dir).with_suffix('')}"
                    recording = Recording(
                        recording_sid="RE" + secrets.token_hex(16),
                        call_id=call.id,
                        url=url,
                        duration_s=max(1, round(audio_seconds([clip]))),
                    )
                    session.add(recording)
                    session.flush()
                    ids.append(recording.id)
            with app.app_context():
                return {process_recording.delay(i).id: i for i in ids}

        def settle(count: int) -> None:
            """Wait until `count` recordings have finished (transcribed or failed)."""
            done = (RecordingStatus.TRANSCRIBED, RecordingStatus.FAILED)
            query = select(func.count()).where(Recording.status.in_(done))
            while True:
                with sessions() as session:
                    if session.scalar(query) >= count:
                        return
                time.sleep(0.05)

        worker = Worker({**os.environ, **env}, concurrency, scratch / "worker.log")
        try:
            worker.wait_for("ready.")
            # Warm every pool process: the model loads on a process's first voicemail.
            warm = 0
            while worker.text().count("loaded model") < concurrency and warm < 20 * concurrency:
                queue([clips[0]] * concurrency)
                warm += concurrency
                settle(warm)
            # Longest first, so the last jobs to start are short ones (less idle tail).
            batch = sorted(list(clips) * copies, key=lambda c: -audio_seconds([c]))
            started = time.perf_counter()
            tasks = queue(batch)
            settle(warm + len(batch))
            wall = time.perf_counter() - started
            worker.wait_for("succeeded in", warm + len(batch))
            peak = worker.peak_rss_mb()
        finally:
            worker.stop()
        runtimes = {m.group(1): float(m.group(2)) for m in TASK_DONE.finditer(worker.text())}
        with sessions() as session:
            decode: dict[int, float] = dict(
                session.execute(
                    select(Transcript.recording_id, Transcript.decode_seconds).where(
                        Transcript.recording_id.in_(tasks.values())
                    )
                ).all()
            )
            failed = session.scalar(
                select(func.count()).where(Recording.status == RecordingStatus.FAILED)
            )
        if failed:
            sys.exit(f"{failed} recordings failed; see {worker.log}")
        app.extensions["hotline.db"].engine.dispose()
    overhead = statistics.median(runtimes[task] - decode[rid] for task, rid in tasks.items())
    label = f"celery, {concurrency} process{'es' if concurrency > 1 else ''}"
    return Row(label, audio_seconds(batch), wall, overhead * 1000, peak)


def bare_vosk_peak_mb(model_path: Path, clips: Sequence[Path]) -> float:
    """Peak RSS of a process running nothing but Vosk over the clips, in MB."""
    command = [sys.executable, "-c", BARE_VOSK, str(model_path), *map(str, clips)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    return float(done.stdout)


def print_table(rows: Sequence[Row], baseline: Row) -> None:
    """The comparison table; `baseline` is the row ratios are taken against."""
    print(
        f"{'path':<28}{'audio s':>9}{'wall s':>9}{'audio s/wall s':>16}{'vs raw':>8}"
        f"{'overhead ms':>13}{'peak RSS MB':>13}"
    )
    for row in rows:
        ratio = row.speed / baseline.speed
        overhead = "-" if row.overhead_ms is None else f"{row.overhead_ms:.0f}"
        rss = "-" if row.peak_rss_mb is None else f"{row.peak_rss_mb:.0f}"
        print(
            f"{row.name:<28}{row.audio_s:>9.1f}{row.wall_s:>9.2f}{row.speed:>16.2f}{ratio:>7.2f}x"
            f"{overhead:>13}{rss:>13}"
        )


@dataclass(frozen=True)
class VoicemailRow:
    """One line of the voicemail table."""

    name: str
    audio_s: float
    wall_s: float
    cpu_s: float
    edits: int
    ref_chars: int

    @property
    def speed(self) -> float:
        """Audio seconds per wall second."""
        return self.audio_s / self.wall_s


def voicemail_set(manifest: Path, scratch: Path) -> list[tuple[Path, Path, Path, str]]:
    """(padded voicemail, the same as 16-bit PCM, unpadded 8 kHz mu-law clip, reference) for
    every manifest clip. Vosk's example loop reads PCM only (the wave module), so raw Vosk gets
    the padded voicemail's very samples as PCM; ours reads the mu-law file."""
    import csv

    import numpy as np
    import soundfile as sf

    rng = np.random.default_rng(2026)
    with manifest.open(encoding="utf-8", newline="") as f:
        entries = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    made = []
    for index, entry in enumerate(entries):
        clip = manifest.parent / entry["path"]
        folder = scratch / str(index)
        folder.mkdir()
        padded = folder / f"padded-{clip.name}"
        random_voicemail(clip, padded, rng, NOISES[index % len(NOISES)])
        samples, rate = sf.read(str(padded), dtype="int16")
        pcm = folder / f"padded-pcm-{clip.name}"
        sf.write(str(pcm), samples, rate, "PCM_16")
        unpadded = to_telephone(clip, folder / clip.name)
        made.append((padded, pcm, unpadded, entry["reference_text"]))
    return made


def voicemail_rows(
    model: LoadedModel, made: Sequence[tuple[Path, Path, Path, str]], repeat: int
) -> list[VoicemailRow]:
    """Raw Vosk and ours on the padded voicemails, ours on the unpadded clips, ours without
    detection on the padded voicemails; best of `repeat` runs (alternated, so load changes hit
    every row)."""
    ways: dict[str, tuple[Callable[[Path], str], int]] = {
        "raw vosk, padded": (lambda path: raw_decode(model, path), 1),
        "ours (VAD), padded": (lambda path: transcribe(path, model).text, 0),
        "ours (VAD), unpadded": (lambda path: transcribe(path, model).text, 2),
        # Where the gain comes from: the whole padded recording, no detection.
        "ours (no VAD), padded": (lambda path: transcribe(path, model, vad=False).text, 0),
    }
    best: dict[str, VoicemailRow] = {}
    for _ in range(repeat):
        for name, (decode, column) in ways.items():
            paths: list[Path] = [entry[column] for entry in made]  # type: ignore[misc]
            wall, cpu = time.perf_counter(), time.process_time()
            texts = [decode(path) for path in paths]
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            scores = [char_edits(m[3], hyp) for m, hyp in zip(made, texts, strict=True)]
            row = VoicemailRow(
                name,
                audio_seconds(paths),
                wall,
                cpu,
                sum(e for e, _ in scores),
                sum(n for _, n in scores),
            )
            if name not in best or row.wall_s < best[name].wall_s:
                best[name] = row
    return list(best.values())


def print_voicemail_table(rows: Sequence[VoicemailRow]) -> None:
    """The voicemail table; ratios are taken against the first row (raw Vosk on padded)."""
    print(
        f"{'path':<24}{'audio s':>9}{'wall s':>9}{'audio s/wall s':>16}{'vs raw':>8}"
        f"{'CPU s/audio s':>15}{'CER':>8}"
    )
    for row in rows:
        print(
            f"{row.name:<24}{row.audio_s:>9.1f}{row.wall_s:>9.2f}{row.speed:>16.2f}"
            f"{row.speed / rows[0].speed:>7.2f}x{row.cpu_s / row.audio_s:>15.3f}"
            f"{row.edits / row.ref_chars:>8.1%}"
        )
    raw, ours = rows[0], rows[1]
    print(
        f"ours vs raw on padded voicemails: {ours.speed / raw.speed:.2f}x (target >= 3x),"
        f" CER {ours.edits / ours.ref_chars:.1%} vs {raw.edits / raw.ref_chars:.1%}"
        " (target: no worse)"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Load the model, time both paths over the clips, print the table and memory figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model directory (default: resolve as the app)")
    parser.add_argument("--models-dir", type=Path, default=REPO / "var" / "models")
    parser.add_argument("--speech-dir", type=Path, default=REPO / ".." / "shared" / "speech")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--copies", type=int, default=2, help="voicemails per clip (Celery)")
    parser.add_argument("--broker", help=f"Celery broker (default: {REDIS_URL} or SQLite)")
    parser.add_argument("--no-celery", action="store_true", help="in-process rows only")
    parser.add_argument("--voicemails-only", action="store_true", help="the voicemail table only")
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
    with tempfile.TemporaryDirectory(prefix="hotline-bench-vm-") as scratch:
        made = voicemail_set(args.speech_dir / "MANIFEST.tsv", Path(scratch))
        padded_s = audio_seconds([m[0] for m in made])
        clips_s = sum(c.audio_seconds for c in manifest_clips(args.speech_dir / "MANIFEST.tsv"))
        print(f"voicemails: {len(made)} clips ({clips_s:.0f} s) padded to {padded_s:.0f} s")
        print_voicemail_table(voicemail_rows(model, made, args.repeat))
    if args.voicemails_only:
        return
    # Other processes on the machine skew the Celery rows most (they are single runs).
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    rows = in_process_rows(model, clips, args.repeat)
    runs = (
        []
        if args.no_celery
        else [
            celery_run(location.path, clips, args.speech_dir, n, args.copies, args.broker)
            for n in (1, 2)
        ]
    )
    print_table([*rows, *runs], baseline=rows[0])
    bare = bare_vosk_peak_mb(location.path, clips)
    print(f"model footprint: RSS after load - before {footprint:.0f} MB;", end=" ")
    print(f"peak of a bare Vosk process decoding the clips {bare:.0f} MB")
    print(f"peak RSS of this process: {proc_status_mb('VmHWM'):.0f} MB")
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"ours vs raw: {rows[1].speed / rows[0].speed:.2f}x (target >= 0.95x)")
    if runs:
        print(f"2 worker processes vs 1: {runs[1].speed / runs[0].speed:.2f}x (target >= 1.7x)")
        overhead = max(r.overhead_ms or 0 for r in runs)
        rss = max(r.peak_rss_mb or 0 for r in runs)
        print(f"warm overhead per task (worst median): {overhead:.0f} ms (target <= 50)")
        print(
            f"peak RSS per worker process: {rss:.0f} MB (target: footprint + 150 ="
            f" {footprint + 150:.0f} after load, {bare + 150:.0f} at work)"
        )


if __name__ == "__main__":
    main()
