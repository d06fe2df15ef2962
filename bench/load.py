"""Load-test whole calls across processes: the line as separate machines would run it, on one.

    python bench/load.py                          # 200 callers on real phones, 30 + 120 s
    python bench/load.py --pace 0.1               # every call 10x faster: a stress test

Starts a Redis of its own (a free port, nothing on disk), a fresh PostgreSQL database (migrated,
categories and volunteers on duty seeded; dropped afterwards), gunicorn with 2 worker processes
and 2 Celery workers (separate processes, one decode at a time each) on the dev speech model.
N simulated callers (threads, each with its own connection) then call for --duration seconds,
each call walking one of four whole IVR paths in turn, played by the carrier simulator with
signed webhooks:

  menu       press 1 (water and electricity), confirm with 1, the volunteer answers
  answer     press 0, the volunteer answers
  voicemail  press 0, nobody answers, the caller leaves a real Mandarin voicemail
  hangup     the caller hangs up in the menu

Calls take the time they take on real phones (--pace 1): before each webhook the caller
listens to the line's last answer (its prompts, said at text-to-speech speed), then presses
a key, records the voicemail for its length, or talks with the volunteer for --talk seconds;
a volunteer's phone rings for the Dial's time. Each wait is jittered 0.5-1.5x; --pace below 1
shortens them all (a stress test: 200 callers at --pace 0.1 offer the load of 2,000).
Callers start spread over the --warmup seconds, and latencies count after them (the
processes' first requests and the workers' model loading are not measured). After the run
the bench waits for the voicemails' transcripts, then replays every webhook of the run, with
the same pauses and as many callers, against a minimal Flask app that answers static TwiML
under the same gunicorn (the ceiling).

It prints calls completed, the load offered (calls and webhooks a second, and seconds of
voicemail a second to transcribe), webhook p50/p99 per route (and the ceiling's), errors (non-2xx,
connection errors, and webhooks the app answered with its apology after an internal error),
tickets against calls, recordings against transcripts, and the time from the end of a
voicemail (the carrier's request for the Record's action) to its transcript on the ticket,
p50/p95.
Targets: 0 errors and 0 lost tickets at 200 callers; webhook p99 <= 50 ms; voicemail to
transcript p95 <= audio length x 0.5 + 5 s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import wave
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET  # noqa: S405  (parses the line's own TwiML)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.webhooks import STATIC_APP, STATIC_CONFIG  # noqa: E402
from hotline.devtools import stack  # noqa: E402
from hotline.devtools.simulator import Caller, Simulator, http_post, serve_file  # noqa: E402
from hotline.models import Call, Recording, Ticket, Transcript  # noqa: E402
from hotline.verbs import HOOK_PATHS  # noqa: E402

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
AUTH_TOKEN = "load-auth-token-" + "0" * 16
ACCOUNT_SID = "AC" + "0" * 32
CLIP = ROOT.parent / "shared" / "speech" / "zh" / "paddlespeech_zh.wav"
TARGET_P99_MS = 50.0
# Typical speaking rates of text-to-speech (Mandarin about 4.5 characters a second, English
# about 2.5 words), and a caller's time to press a key once the prompt has been said.
HANZI_PER_S, WORDS_PER_S, REACTION_S = 4.5, 2.5, 1.5
HANZI = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r"[A-Za-z0-9]+")
# gunicorn closes a kept-alive connection idle for 2 s (its default keepalive): a caller idle
# longer than this opens a new one, or its request can race the close (connection reset).
IDLE_REOPEN_S = 1.5

PATHS: dict[str, Caller] = {
    "menu": Caller(presses=["1", "1"], volunteers=["answer"]),
    "answer": Caller(presses=["0"], volunteers=["answer"]),
    "voicemail": Caller(presses=["0"], volunteers=["no-answer"], voicemail=CLIP),
    "hangup": Caller(presses=[], hang_up_in_menu=True),
}

Webhook = tuple[str, dict[str, str]]


@dataclass
class Results:
    """What the callers saw, shared by their threads."""

    # Latencies count from here on (time.monotonic()): the first calls warm the processes up.
    measure_from: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    completed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed_calls: int = 0
    # Why calls failed: the exception's type and first words, counted.
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # RecordingSid -> when the voicemail ended: the carrier requested the Record's action (UTC).
    voicemail_ends: dict[str, datetime] = field(default_factory=dict)
    # Every call's webhooks with the pause before each, for the ceiling's replay, and the
    # line's address they were sent to.
    scripts: list[list[tuple[float, Webhook]]] = field(default_factory=list)
    base_url: str = ""

    def observe(self, route: str, started: float, ok: bool) -> None:
        """A webhook sent at `started` (time.perf_counter()) has been answered, or failed."""
        ended = time.perf_counter()
        with self.lock:
            if time.monotonic() >= self.measure_from:
                self.latencies[route].append((ended - started) * 1000)
            if not ok:
                self.errors[route] += 1


def route_of(url: str) -> str:
    return urlsplit(url).path


def speaking_seconds(twiml: str) -> float:
    """How long the carrier takes to say a TwiML answer's prompts (0 for none, or not TwiML)."""
    try:
        root = ET.fromstring(twiml)  # noqa: S314  (the line's own TwiML)
    except ET.ParseError:
        return 0.0
    said = " ".join(say.text or "" for say in root.iter("Say"))
    return len(HANZI.findall(said)) / HANZI_PER_S + len(WORD.findall(said)) / WORDS_PER_S


class CallerThread(threading.Thread):
    """One resident calling again and again until the deadline."""

    def __init__(self, index: int, args: argparse.Namespace, base_url: str, media_url: str,
                 results: Results, deadline: float) -> None:  # fmt: skip
        super().__init__(daemon=True)
        self.index, self.args, self.results, self.deadline = index, args, results, deadline
        self.base_url, self.media_url = base_url, media_url
        self.rng = random.Random(index)
        self.http = requests.Session()
        self.script: list[tuple[float, Webhook]] = []
        self.last_answer = ""
        self.answered = time.monotonic()

    def pause_before(self, url: str, params: dict[str, str]) -> float:
        """How long the caller is on the line before the carrier sends this webhook, at --pace
        and jittered (0.5-1.5x): the last answer being said, then a key pressed, a voicemail
        recorded, or a conversation held."""
        seconds = speaking_seconds(self.last_answer)
        if "Digits" in params:
            seconds += REACTION_S  # a key pressed after the prompt
        if route_of(url) == HOOK_PATHS["recording"]:
            seconds += float(params.get("RecordingDuration", "0"))
        elif route_of(url) == HOOK_PATHS["dial"] and params.get("DialCallStatus") == "completed":
            seconds += self.args.talk  # the caller and the volunteer talk, then hang up
        return seconds * self.args.pace * self.rng.uniform(0.5, 1.5)

    def post(self, url: str, params: dict[str, str]) -> str:
        pause = self.pause_before(url, params)
        time.sleep(pause)
        self.script.append((pause, (url, dict(params))))
        measured = time.monotonic() >= self.results.measure_from
        # The voicemail ends when the caller stops recording: the carrier then requests the
        # Record's action (its status callback comes later, after the call).
        if route_of(url) == HOOK_PATHS["recording"] and measured:
            with self.results.lock:
                self.results.voicemail_ends[params["RecordingSid"]] = datetime.now(UTC)
        if time.monotonic() - self.answered > IDLE_REOPEN_S:
            self.http.close()  # the next request opens a fresh connection
        started = time.perf_counter()
        ok, self.last_answer = False, ""
        try:
            self.last_answer = self.deliver(url, params)
            ok = True
            return self.last_answer
        finally:
            self.answered = time.monotonic()
            self.results.observe(route_of(url), started, ok)

    def ring(self, seconds: int) -> None:
        time.sleep(seconds * self.args.pace * self.rng.uniform(0.5, 1.5))

    def run(self) -> None:
        self.deliver = http_post(self.base_url, self.base_url, AUTH_TOKEN, self.http)
        simulator = Simulator(self.post, self.base_url, on_ring=self.ring)
        names = self.args.paths.split(",")
        turn = self.index
        # Callers start spread over the warm-up, not all in the same instant.
        time.sleep(self.rng.uniform(0, self.args.warmup))
        while time.monotonic() < self.deadline:
            name = names[turn % len(names)]
            turn += 1
            caller = replace(
                PATHS[name],
                from_number=f"+86139{self.index:04d}{turn % 10000:04d}",
                voicemail_url=self.media_url if PATHS[name].voicemail else None,
            )
            self.script, self.last_answer = [], ""
            try:
                simulator.run(caller)
            except Exception as exc:  # noqa: BLE001  (counted: the bench reports, it goes on)
                with self.results.lock:
                    self.results.failed_calls += 1
                    self.results.failures[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
            else:
                with self.results.lock:
                    self.results.completed[name] += 1
            with self.results.lock:
                self.results.scripts.append(self.script)
        self.http.close()


class Replayer(threading.Thread):
    """The ceiling's caller: the run's calls again, same pauses, against static TwiML."""

    def __init__(self, scripts: list[list[tuple[float, Webhook]]], base_url: str, line_url: str,
                 results: Results, deadline: float) -> None:  # fmt: skip
        super().__init__(daemon=True)
        self.scripts, self.base_url, self.results = scripts, base_url, results
        # The scripts' URLs are the line's: the replay sends their paths to the ceiling.
        self.line_url, self.deadline = line_url, deadline

    def run(self) -> None:
        with requests.Session() as http:
            post = http_post(self.base_url, self.line_url, AUTH_TOKEN, http)
            for script in self.scripts:
                for pause, (url, params) in script:
                    if time.monotonic() > self.deadline:
                        return
                    time.sleep(pause)
                    started = time.perf_counter()
                    ok = False
                    try:
                        post(url, params)
                        ok = True
                    except requests.RequestException:
                        pass
                    finally:
                        self.results.observe(route_of(url), started, ok)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (0 < share <= 1) of values; nan if none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def clip_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as clip:
        return clip.getnframes() / clip.getframerate()


@contextlib.contextmanager
def line(workdir: Path, args: argparse.Namespace) -> Iterator[stack.Line]:
    """Redis, the database, 2 gunicorn workers and 2 Celery workers; all stopped afterwards."""
    redis = stack.redis_process(workdir, stack.free_port())
    media_port = stack.free_port()
    with stack.postgres_database(args.postgres_url) as url:
        running = stack.Line(workdir, {})
        try:
            redis.start(stack.REDIS_READY)
            broker = f"redis://127.0.0.1:{redis.command[redis.command.index('--port') + 1]}/0"
            running.env = stack.line_env(
                workdir, database_url=url, broker_url=broker, port=stack.free_port(),
                account=(ACCOUNT_SID, AUTH_TOKEN), carrier_media_hosts=f"127.0.0.1:{media_port}",
                vosk_model_packages="true",
            )  # fmt: skip
            running.env["LOAD_MEDIA_PORT"] = str(media_port)
            running.web(workers=2, threads=args.threads)
            running.worker("load1", nice=args.worker_nice)
            running.worker("load2", nice=args.worker_nice)
            yield running
        finally:
            running.close()
            redis.stop()


def drive(threads: Sequence[threading.Thread], deadline: float, grace: float) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + grace)


def run_line(args: argparse.Namespace, workdir: Path) -> tuple[Results, dict[str, object]]:
    """The real line under load; the results and the database's counts."""
    results = Results()
    with line(workdir, args) as running:
        media_port = int(running.env["LOAD_MEDIA_PORT"])
        with serve_file(CLIP, media_port) as media_url:
            results.measure_from = time.monotonic() + args.warmup
            results.base_url = running.base_url
            deadline = results.measure_from + args.duration
            callers = [
                CallerThread(i, args, running.base_url, media_url, results, deadline)
                for i in range(args.callers)
            ]
            print(f"line: {args.callers} callers for {args.warmup} + {args.duration} s ...",
                  file=sys.stderr)  # fmt: skip
            drive(callers, deadline, grace=120)
            print("line: waiting for the transcripts ...", file=sys.stderr)
            counts = settle(running.env["HOTLINE_DATABASE_URL"], results, args.transcript_wait)
        counts["apologies"] = running.processes[0].output().count("failed for call")
    return results, counts


def settle(url: str, results: Results, wait_s: float) -> dict[str, object]:
    """Wait (at most wait_s) until every voicemail has its transcript; then count rows."""
    engine = create_engine(url)
    deadline = time.monotonic() + wait_s
    try:
        while True:
            with Session(engine) as session:
                recordings = session.scalar(
                    select(func.count()).select_from(Recording).where(Recording.duration_s > 0)
                )
                transcribed = session.scalar(
                    select(func.count(func.distinct(Transcript.recording_id)))
                )
            if transcribed == recordings or time.monotonic() > deadline:
                break
            print(f"  {transcribed} of {recordings} transcribed", file=sys.stderr)
            time.sleep(5)
        with Session(engine) as session:
            calls = session.scalar(select(func.count()).select_from(Call)) or 0
            with_ticket = session.scalar(select(func.count(func.distinct(Ticket.call_id)))) or 0
            tickets = session.scalar(select(func.count()).select_from(Ticket)) or 0
            transcripts = session.scalar(select(func.count()).select_from(Transcript)) or 0
            done = session.execute(
                select(Recording.recording_sid, func.min(Transcript.created_at))
                .join(Transcript, Transcript.recording_id == Recording.id)
                .group_by(Recording.recording_sid)
            ).all()
    finally:
        engine.dispose()
    delays = [
        (at - results.voicemail_ends[sid]).total_seconds()
        for sid, at in done
        if sid in results.voicemail_ends
    ]
    return {
        "calls": calls, "calls_with_ticket": with_ticket, "tickets": tickets,
        "recordings": recordings or 0, "transcribed": transcribed or 0,
        "transcripts": transcripts, "delays": delays,
    }  # fmt: skip


def ceiling_env() -> dict[str, str]:
    """The ceiling's environment: this one without any hotline setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent)
    return env


def ceiling(workdir: Path, port: int, threads: int) -> stack.Process:
    """The static-TwiML app of webhooks.py under gunicorn as the line's web runs (not started)."""
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--worker-class", "gthread", "--threads", str(threads), "--log-level", "info",
        "--config", str(STATIC_CONFIG), STATIC_APP,
    ]  # fmt: skip
    return stack.Process("static", command, ceiling_env(), workdir / "static.log")


def run_ceiling(args: argparse.Namespace, workdir: Path, line_results: Results) -> Results:
    """The same calls, pauses and callers against the static-TwiML app under gunicorn."""
    results = Results()
    port = stack.free_port()
    server = ceiling(workdir, port, args.threads)
    base_url = f"http://127.0.0.1:{port}"
    try:
        server.start("Booting worker")
        stack.wait_for_http(base_url + "/healthz", server)
        scripts = line_results.scripts
        shares: list[list[list[tuple[float, Webhook]]]] = [[] for _ in range(args.callers)]
        for i, script in enumerate(scripts):
            shares[i % args.callers].append(script)
        # Static TwiML needs no warming beyond gunicorn's first second.
        results.measure_from = time.monotonic() + 1
        deadline = results.measure_from + args.warmup + args.duration + 60
        print(f"ceiling: replaying {len(scripts)} calls ...", file=sys.stderr)
        line_url = line_results.base_url
        replayers = [Replayer(s, base_url, line_url, results, deadline) for s in shares]
        drive(replayers, deadline, grace=10)
    finally:
        server.stop()
    return results


def report(args: argparse.Namespace, line_r: Results, counts: dict[str, object],
           ceiling: Results) -> bool:  # fmt: skip
    """Print the tables; True if every target was met."""
    completed = sum(line_r.completed.values())
    errors = sum(line_r.errors.values()) + line_r.failed_calls
    print(
        f"\n{args.callers} callers, {args.duration} s measured after {args.warmup} s, pace "
        f"{args.pace:g}, talk {args.talk:g} s; gunicorn 2 workers x {args.threads} threads, "
        f"2 Celery workers (nice {args.worker_nice}); {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} (a shared machine's numbers are inflated)."
    )
    print(f"calls completed: {completed} (" + ", ".join(
        f"{name} {line_r.completed[name]}" for name in PATHS) + f"); failed calls: "
        f"{line_r.failed_calls}")  # fmt: skip
    for reason, count in sorted(line_r.failures.items(), key=lambda item: -item[1]):
        print(f"  {count} x {reason}")
    seconds, clip_s = args.warmup + args.duration, clip_seconds(CLIP)
    webhooks = sum(len(values) for values in line_r.latencies.values())
    print(
        f"offered load: {completed / seconds:.2f} calls/s, {webhooks / args.duration:.1f} "
        f"webhooks/s measured, {line_r.completed['voicemail'] * clip_s / seconds:.2f}"
        f" s of voicemail a second to transcribe"
    )
    print(
        f"\n{'route':26} {'line n':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
        f" {'ceiling n':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    all_line: list[float] = []
    for route in sorted(line_r.latencies):
        mine, base = line_r.latencies[route], ceiling.latencies.get(route, [])
        all_line += mine
        print(
            f"{route:26} {len(mine):7} {percentile(mine, 0.5):8.1f} {percentile(mine, 0.99):8.1f}"
            f" {line_r.errors[route]:7} {len(base):10} {percentile(base, 0.5):8.1f}"
            f" {percentile(base, 0.99):8.1f} {ceiling.errors[route]:7}"
        )
    all_ceiling = [v for values in ceiling.latencies.values() for v in values]
    p99 = percentile(all_line, 0.99)
    print(
        f"{'all webhooks':26} {len(all_line):7} {percentile(all_line, 0.5):8.1f} {p99:8.1f}"
        f" {errors:7} {len(all_ceiling):10} {percentile(all_ceiling, 0.5):8.1f}"
        f" {percentile(all_ceiling, 0.99):8.1f} {sum(ceiling.errors.values()):7}"
    )
    calls, with_ticket = int(counts["calls"]), int(counts["calls_with_ticket"])  # type: ignore[call-overload]
    recordings = int(counts["recordings"])  # type: ignore[call-overload]
    transcribed = int(counts["transcribed"])  # type: ignore[call-overload]
    delays: list[float] = counts["delays"]  # type: ignore[assignment]
    lost = calls - with_ticket
    print(f"\ntickets vs calls: {with_ticket} of {calls} calls have a ticket "
          f"({counts['tickets']} tickets); lost: {lost}")  # fmt: skip
    print(f"recordings vs transcripts: {transcribed} of {recordings} voicemails transcribed "
          f"({counts['transcripts']} transcripts)")  # fmt: skip
    print(f"apologies in the web log (internal errors): {counts['apologies']}")
    budget = clip_s * 0.5 + 5
    p95 = percentile(delays, 0.95)
    print(
        f"voicemail end -> transcript on the ticket: p50 {percentile(delays, 0.5):.1f} s, "
        f"p95 {p95:.1f} s, max {max(delays, default=float('nan')):.1f} s "
        f"(n={len(delays)}, mean {statistics.fmean(delays) if delays else float('nan'):.1f} s)"
    )
    checks = {
        "0 errors": errors == 0 and counts["apologies"] == 0,
        # A ceiling that failed requests measured nothing (its errors answer in no time).
        "0 errors at the ceiling": not any(ceiling.errors.values()),
        "0 lost tickets": lost == 0,
        "every voicemail transcribed": transcribed == recordings,
        f"webhook p99 <= {TARGET_P99_MS:.0f} ms": p99 <= TARGET_P99_MS,
    }
    if delays:  # without voicemails (--paths) there is nothing to time
        checks[f"voicemail -> transcript p95 <= {budget:.1f} s"] = p95 <= budget
    print()
    for name, ok in checks.items():
        print(f"target {name}: {'met' if ok else 'MISSED'}")
    return all(checks.values())


def main(argv: Sequence[str] | None = None) -> None:
    """Run the line under load, then the ceiling; print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--callers", type=int, default=200, help="concurrent callers")
    parser.add_argument("--duration", type=int, default=120, help="seconds of new calls")
    parser.add_argument("--warmup", type=int, default=30,
                        help="seconds of calls before the measurement starts (callers start "
                        "spread over it)")  # fmt: skip
    parser.add_argument(
        "--pace",
        type=float,
        default=1.0,
        help="share of real time a call takes: 1 is callers on real phones; 0.1 plays every "
        "prompt, ring, voicemail and conversation 10x faster (a stress test)",
    )
    parser.add_argument("--talk", type=float, default=60.0,
                        help="seconds a caller and a volunteer talk (at --pace 1)")  # fmt: skip
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--transcript-wait", type=float, default=600,
                        help="seconds to wait for the last transcripts")  # fmt: skip
    parser.add_argument("--paths", default=",".join(PATHS),
                        help="comma-separated paths the callers take in turn")  # fmt: skip
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=0,
        help="nice value of the Celery workers (decoding yields to the web)",
    )
    parser.add_argument("--postgres-url", default=POSTGRES_ADMIN_URL)
    args = parser.parse_args(argv)
    if unknown := set(args.paths.split(",")) - PATHS.keys():
        parser.error(f"unknown paths: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="hotline-load-") as tmp:
        workdir = Path(tmp)
        line_results, counts = run_line(args, workdir)
        ceiling = run_ceiling(args, workdir, line_results)
        ok = report(args, line_results, counts, ceiling)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
