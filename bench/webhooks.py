"""Load-test the voice webhooks under gunicorn, against a static-TwiML ceiling; or profile them.

    python bench/webhooks.py                      # the table (needs the Debian package `wrk`)
    python bench/webhooks.py --profile 3000       # cProfile of the incoming webhook in-process

For each gunicorn worker class (2 workers on 127.0.0.1) the bench serves, in turn, a minimal
Flask app that answers static TwiML (the ceiling of Flask + gunicorn + client on this machine)
and the real `app:app` on SQLite and on PostgreSQL (fresh databases, migrated, categories
seeded; configured through HOTLINE_* variables only, as in production). wrk keeps 8
connections busy (kept alive where the worker allows it: sync workers close after each answer)
with raw requests signed beforehand, so no signing happens while the clock runs:

  incoming  POST /voice/incoming, a new CallSid per request (the webhook inserts the call)
  gather    POST /voice/gather?step=0 with Digits=1, once per call the incoming phase created

Every response must be 200, application/xml, with a <Gather> (the apology reply the app sends
on an internal error has none, so it counts as an error too). After each phase the bench checks
that the database holds exactly one call per incoming request sent and one step per gather.
The ratio columns divide by the static row of the same worker class, so they compare across
machines where raw numbers do not.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import math
import os
import pstats
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
AUTH_TOKEN = "bench-auth-token-" + "0" * 16
ACCOUNT_SID = "AC" + "0" * 32
HOTLINE_NUMBER = "+8657100000000"
# What every good answer contains: both webhooks answer with a menu, and so does the ceiling.
EXPECTED_IN_BODY = "<Gather"
TARGET_P99_MS = 20.0
# The ceiling under gunicorn, with a configuration of its own (the project's checks the
# hotline's settings, which the static app does not have).
STATIC_APP = "webhooks:static_app()"
STATIC_CONFIG = Path(__file__).with_name("gunicorn_static.conf.py")
TARGET_RPS = 900.0
# Above this share of a core used by unrelated processes, the table says it is not trustworthy.
NOISY_OTHER_CPU = 0.15

# The ceiling answers in the shape of the real incoming answer: a Gather of two Says, a Redirect.
STATIC_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Gather action="http://127.0.0.1/voice/gather?step=0" input="dtmf" method="POST" '
    'numDigits="1" timeout="8"><Say language="zh-CN">您好，这里是社区党员关爱服务热线。</Say>'
    '<Say language="zh-CN">水电维修，请按1。管网问题，请按2。</Say></Gather>'
    '<Redirect method="POST">http://127.0.0.1/voice/gather?step=0</Redirect></Response>'
)

# wrk loads the pre-built requests (NUL-separated raw HTTP) and sends each once, in order, on
# whichever of its connections is free. With the one thread run_wrk starts, `sent` therefore
# names exactly the requests that went out, so the caller knows which CallSids the server saw.
WRK_SCRIPT = r"""
local reqs, n, unique, expect = {}, 0, false, ""
local threads = {}
local verified = false
sent, wrapped, non200, bad = 0, 0, 0, 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(args[1], "rb"))
  local data = f:read("*a")
  f:close()
  for req in data:gmatch("([^%z]+)%z") do
    n = n + 1
    reqs[n] = req
  end
  unique = args[2] == "unique"
  expect = args[3]
end

function request()
  if not verified then
    -- wrk calls request() once on the first thread to check the request parses, and sends
    -- nothing: hand out the first request without counting it as sent.
    verified = true
    return reqs[1]
  end
  sent = sent + 1
  local i = sent
  if i > n then
    -- Out of pre-built requests: repeat them (fine for the ceiling, flagged for the app).
    if unique then wrapped = wrapped + 1 end
    i = (i - 1) % n + 1
  end
  return reqs[i]
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  elseif not string.find(headers["Content-Type"] or "", "application/xml", 1, true)
      or not string.find(body, expect, 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local t = {sent = 0, wrapped = 0, non200 = 0, bad = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"completed": %d, "duration_us": %d, "sent": %d, "wrapped": %d, ' ..
    '"non200": %d, "bad": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, t.sent, t.wrapped, t.non200, t.bad,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def static_app() -> Any:
    """The ceiling: Flask parses the same form and returns fixed TwiML (gunicorn factory)."""
    from flask import Flask, Response, request

    app = Flask("static_twiml")

    @app.post("/voice/<path:hook>")
    def hook(hook: str) -> Response:
        # Read the form as the real webhooks do, so the ceiling pays for body parsing too.
        if not request.form.get("CallSid"):
            return Response("CallSid is required", status=400)
        return Response(STATIC_TWIML, mimetype="application/xml")

    return app


# --- requests -------------------------------------------------------------------------------


def new_call_sid() -> str:
    """A CallSid shaped like the carrier's: CA + 32 hex digits."""
    return "CA" + uuid.uuid4().hex


def call_params(call_sid: str) -> dict[str, str]:
    """The parameters the carrier posts when a call rings."""
    return {
        "CallSid": call_sid,
        "AccountSid": ACCOUNT_SID,
        "From": f"+86138{call_sid[-8:].translate(str.maketrans('abcdef', '012345'))}",
        "To": HOTLINE_NUMBER,
        "CallStatus": "ringing",
        "Direction": "inbound",
    }


def incoming_request(call_sid: str) -> tuple[str, dict[str, str]]:
    """Target and form of the incoming-call webhook."""
    return "/voice/incoming", call_params(call_sid)


def gather_request(call_sid: str) -> tuple[str, dict[str, str]]:
    """Target and form of the caller pressing 1 at the main menu (the call's first step)."""
    params = {**call_params(call_sid), "CallStatus": "in-progress", "Digits": "1"}
    return "/voice/gather?step=0", params


def signed_raw_requests(base_url: str, requests: Sequence[tuple[str, dict[str, str]]]) -> bytes:
    """Raw HTTP/1.1 requests signed as the carrier signs them, NUL-separated for the wrk script."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(AUTH_TOKEN)
    host = base_url.removeprefix("http://")
    chunks = []
    for target, params in requests:
        body = urlencode(params)
        signature = validator.compute_signature(base_url + target, params)
        chunks.append(
            f"POST {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: TwilioProxy/1.1\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nX-Twilio-Signature: {signature}\r\n\r\n{body}\0"
        )
    return "".join(chunks).encode()


# --- wrk ------------------------------------------------------------------------------------


@dataclass
class Phase:
    """One wrk run: what it sent and what came back."""

    completed: int
    duration_s: float
    sent: int
    wrapped: int
    non200: int
    bad: int
    socket_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    client_cpu_s: float
    server_cpu_s: float
    db_cpu_s: float
    other_cpu_s: float

    @property
    def rps(self) -> float:
        return self.completed / self.duration_s

    @property
    def errors(self) -> int:
        return self.non200 + self.bad + self.socket_errors


@dataclass
class Bench:
    """Options and scratch space shared by every run."""

    connections: int
    duration_s: int
    warmup_s: int
    max_rate: int
    workdir: Path
    script: Path = field(init=False)

    def __post_init__(self) -> None:
        self.script = self.workdir / "signed.lua"
        self.script.write_text(WRK_SCRIPT)


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers (children of the master)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                    pids.append(int(entry.name))
    return pids


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (their CPU is part of the cost)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
    return pids


def busy_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy (all cores), including time stolen by the host."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Sequence[int]) -> dict[int, float]:
    """User + system CPU time of each of these processes so far."""
    seconds = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings by the processes alive at both."""
    return sum(after[pid] - before[pid] for pid in before.keys() & after.keys())


def run_wrk(
    bench: Bench, server: Server, raw: bytes, seconds: int, *, unique: bool, name: str
) -> Phase:
    """Drive the server with these pre-built requests for `seconds`."""
    requests_file = bench.workdir / f"{name}.bin"
    requests_file.write_bytes(raw)
    workers = worker_pids(server.process.pid)
    db = postgres_pids() if server.on_postgres else []
    server_before, db_before = cpu_seconds(workers), cpu_seconds(db)
    busy_before = busy_cpu_seconds()
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    # One wrk thread: it multiplexes the 8 connections at a few percent of a core, and a
    # second thread would only take CPU away from the server being measured.
    result = subprocess.run(
        ["wrk", "-t1", f"-c{bench.connections}", f"-d{seconds}s", "--timeout", "5s",
         "-s", str(bench.script), server.base_url + "/",
         "--", str(requests_file), "unique" if unique else "cycle", EXPECTED_IN_BODY],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = cpu_used(server_before, cpu_seconds(workers))
    db_cpu = cpu_used(db_before, cpu_seconds(db))
    busy = busy_cpu_seconds() - busy_before
    client_cpu = (client_after.ru_utime + client_after.ru_stime) - (
        client_before.ru_utime + client_before.ru_stime
    )
    requests_file.unlink()
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("WRK-RESULT ")), None)
    if result.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    data = json.loads(line.removeprefix("WRK-RESULT "))
    return Phase(
        completed=data["completed"],
        duration_s=data["duration_us"] / 1e6,
        sent=data["sent"],
        wrapped=data["wrapped"],
        non200=data["non200"],
        bad=data["bad"],
        socket_errors=data["socket_errors"],
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        client_cpu_s=client_cpu,
        server_cpu_s=server_cpu,
        db_cpu_s=db_cpu,
        # Anything else that ran meanwhile (other users of the machine, the host's steal):
        # when this is large the numbers are not worth comparing.
        other_cpu_s=max(0.0, busy - server_cpu - db_cpu - client_cpu),
    )


# --- gunicorn -------------------------------------------------------------------------------


@dataclass
class Server:
    """A running gunicorn master."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path
    on_postgres: bool


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def gunicorn(
    app: str, worker_class: str, threads: int, env: dict[str, str], log: Path, port: int
) -> Iterator[Server]:
    """Serve `app` with 2 workers of `worker_class` until the block ends."""
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--worker-class", worker_class, "--log-level", "warning", "--pythonpath", str(ROOT),
    ]  # fmt: skip
    if app == STATIC_APP:
        command += ["--config", str(STATIC_CONFIG)]
    # Gunicorn turns `sync` into `gthread` when threads > 1, so give threads to gthread only.
    if worker_class == "gthread":
        command += ["--threads", str(threads)]
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [*command, app], cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    on_postgres = env.get("HOTLINE_DATABASE_URL", "").startswith("postgresql")
    server = Server(process, f"http://127.0.0.1:{port}", log, on_postgres)
    try:
        wait_until_serving(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_serving(server: Server) -> None:
    """Wait until both workers are up and the server answers HTTP (a 404 is an answer)."""
    deadline = time.monotonic() + 60
    port = int(server.base_url.rsplit(":", 1)[1])
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"gunicorn exited at start-up:\n{server.log.read_text()}")
        if len(worker_pids(server.process.pid)) == 2:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), 1) as s,
            ):
                s.sendall(b"GET /ready HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 "):
                    return
        time.sleep(0.1)
    raise SystemExit(f"gunicorn did not start within 60 s:\n{server.log.read_text()}")


# --- databases ------------------------------------------------------------------------------


def sys_path() -> None:
    """Make `hotline` importable when run as `python bench/webhooks.py`."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


@contextlib.contextmanager
def database(kind: str, workdir: Path, postgres_admin_url: str) -> Iterator[str]:
    """A fresh database migrated to head with the categories seeded; dropped afterwards."""
    sys_path()
    from sqlalchemy import create_engine, text

    if kind == "sqlite":
        path = workdir / f"bench-{secrets.token_hex(4)}.db"
        url = f"sqlite:///{path}"
        try:
            prepare(url)
            yield url
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = f"hotline_bench_{secrets.token_hex(5)}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001  (any failure here means the server is unusable)
        raise SystemExit(f"PostgreSQL at {postgres_admin_url} is not usable: {exc}") from exc
    try:
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        prepare(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str) -> None:
    """Migrate and seed the categories, as `make run` does."""
    from hotline.db import make_engine, make_session_factory, transaction
    from hotline.migrate import upgrade
    from hotline.tickets import ensure_categories

    upgrade(url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        ensure_categories(session)
    engine.dispose()


def row_counts(url: str) -> tuple[int, int, int]:
    """(calls, calls past their first menu, call events) in the database."""
    from sqlalchemy import func, select

    from hotline.db import make_engine
    from hotline.models import Call, CallEvent

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            calls = conn.scalar(select(func.count()).select_from(Call)) or 0
            answered = conn.scalar(select(func.count()).where(Call.step >= 1)) or 0
            events = conn.scalar(select(func.count()).select_from(CallEvent)) or 0
    finally:
        engine.dispose()
    return calls, answered, events


def settle(url: str, expected: tuple[int, int, int]) -> tuple[int, int, int]:
    """Row counts once the requests still in flight when wrk stopped have been handled."""
    deadline = time.monotonic() + 10
    counts = row_counts(url)
    while counts != expected and time.monotonic() < deadline:
        time.sleep(0.2)
        counts = row_counts(url)
    return counts


# --- runs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    worker: str
    target: str
    webhook: str
    phase: Phase
    rows: str


def app_env(database_url: str, base_url: str) -> dict[str, str]:
    """The real app's whole configuration, through the environment as in production."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(
        HOTLINE_SECRET_KEY=secrets.token_hex(32),
        HOTLINE_DATABASE_URL=database_url,
        HOTLINE_CARRIER_AUTH_TOKEN=AUTH_TOKEN,
        HOTLINE_CARRIER_ACCOUNT_SID=ACCOUNT_SID,
        HOTLINE_PUBLIC_BASE_URL=base_url,
        HOTLINE_BROKER_URL="memory://",
        HOTLINE_LOG_LEVEL="WARNING",
    )
    return env


def check_log(server: Server) -> str:
    """A warning when the server logged errors (the app answers 200 even when it fails)."""
    text = server.log.read_text(errors="replace")
    if "Traceback" in text or "ERROR" in text:
        return f"server log has errors, see {server.log}"
    return ""


def run_static(bench: Bench, worker: str, threads: int) -> Row:
    """The ceiling: same gunicorn, same requests, fixed TwiML."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent)
    log = bench.workdir / f"gunicorn-static-{worker}.log"
    # A modest pool cycled over: the ceiling has no database, so repeats cost it nothing.
    raw = signed_raw_requests(base_url, [incoming_request(new_call_sid()) for _ in range(2000)])
    with gunicorn(STATIC_APP, worker, threads, env, log, port) as server:
        run_wrk(bench, server, raw, bench.warmup_s, unique=False, name="static-warmup")
        phase = run_wrk(bench, server, raw, bench.duration_s, unique=False, name="static")
        problem = check_log(server)
    return Row(worker, "static TwiML", "incoming", phase, problem or "-")


# Beat checkpoints SQLite's write-ahead log every 30 s in production; at the bench's write
# rate (about 50 times a busy day's peak, sustained) the same job runs every second.
CHECKPOINT_EVERY_S = 1.0


@contextlib.contextmanager
def checkpointer(url: str) -> Iterator[None]:
    """Run the beat's database checkpoint job in a thread for the duration (SQLite only)."""
    from hotline.db import checkpoint_wal, make_engine

    engine = make_engine(url)
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(CHECKPOINT_EVERY_S):
            checkpoint_wal(engine)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        engine.dispose()


def run_app(bench: Bench, worker: str, threads: int, kind: str, postgres_url: str) -> list[Row]:
    """The real app on one database: incoming calls, then the first menu answer of each."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = bench.workdir / f"gunicorn-{kind}-{worker}.log"
    with (
        database(kind, bench.workdir, postgres_url) as url,
        gunicorn("app:app", worker, threads, app_env(url, base_url), log, port) as server,
        checkpointer(url),
    ):
        sids: list[str] = []

        def incoming(seconds: int, name: str) -> Phase:
            # Sized from --max-rate so the pool outlasts the run; running out is reported.
            pool = [new_call_sid() for _ in range(bench.max_rate * seconds)]
            raw = signed_raw_requests(base_url, [incoming_request(sid) for sid in pool])
            phase = run_wrk(bench, server, raw, seconds, unique=True, name=name)
            sids.extend(pool[: min(phase.sent, len(pool))])
            return phase

        incoming(bench.warmup_s, f"{kind}-incoming-warmup")
        measured = incoming(bench.duration_s, f"{kind}-incoming")
        # The gather phase answers calls that exist already: make sure there are enough of them
        # even if answering a menu goes twice as fast as taking a call (unmeasured top-up).
        wanted = math.ceil(2 * measured.rps * (bench.warmup_s + bench.duration_s))
        if len(sids) < wanted:
            incoming(math.ceil((wanted - len(sids)) / max(measured.rps, 1.0)), f"{kind}-fill")
        calls, _, events = settle(url, (len(sids), 0, len(sids)))
        note = verdict(calls, len(sids), events, len(sids), server)
        if measured.wrapped:
            note = "pool exhausted: raise --max-rate"
        rows = [Row(worker, kind, "incoming", measured, note)]

        gathers = [gather_request(sid) for sid in sids]
        raw = signed_raw_requests(base_url, gathers)
        warm = run_wrk(bench, server, raw, bench.warmup_s, unique=True, name=f"{kind}-g-warmup")
        rest = gathers[min(warm.sent, len(gathers)) :]
        raw = signed_raw_requests(base_url, rest)
        gathered = run_wrk(bench, server, raw, bench.duration_s, unique=True, name=f"{kind}-g")
        answers = min(warm.sent, len(gathers)) + min(gathered.sent, len(rest))
        webhooks = len(sids) + answers
        _, answered, events = settle(url, (len(sids), answers, webhooks))
        note = verdict(answered, answers, events, webhooks, server)
        if gathered.wrapped:
            note = "calls exhausted: the phase repeated requests"
        rows.append(Row(worker, kind, "gather", gathered, note))
    return rows


def verdict(rows: int, requests: int, events: int, webhooks: int, server: Server) -> str:
    """`ok (n)` when every request sent wrote its row and its event, else what is missing."""
    problems = [] if rows == requests else [f"MISMATCH {rows} rows for {requests} requests"]
    if events != webhooks:
        problems.append(f"MISMATCH {events} call events for {webhooks} webhooks")
    if log_problem := check_log(server):
        problems.append(log_problem)
    return "; ".join(problems) or f"ok ({rows})"


def print_table(rows: Sequence[Row], bench: Bench) -> None:
    """The results, with ratios to the static ceiling of the same worker class."""
    ceilings = {r.worker: r.phase for r in rows if r.target == "static TwiML"}
    header = (
        "workers", "served by", "webhook", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms",
        "errors", "req/s÷static", "p99÷static", "app CPU/req", "CPU app", "wrk", "db", "other",
        "rows written",
    )  # fmt: skip
    lines = [header]
    for r in rows:
        p, ceiling = r.phase, ceilings.get(r.worker)
        is_ceiling = r.target == "static TwiML"
        lines.append((
            r.worker, r.target, r.webhook, str(p.completed), f"{p.rps:.0f}",
            f"{p.p50_ms:.2f}", f"{p.p90_ms:.2f}", f"{p.p99_ms:.2f}", str(p.errors),
            "1" if is_ceiling or not ceiling else f"{p.rps / ceiling.rps:.2f}",
            "1" if is_ceiling or not ceiling else f"{p.p99_ms / ceiling.p99_ms:.1f}",
            f"{p.server_cpu_s / max(p.completed, 1) * 1000:.2f} ms",
            f"{p.server_cpu_s / p.duration_s:.0%}", f"{p.client_cpu_s / p.duration_s:.0%}",
            f"{p.db_cpu_s / p.duration_s:.0%}", f"{p.other_cpu_s / p.duration_s:.0%}", r.rows,
        ))  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print()
    print(
        f"{bench.connections} connections, {bench.duration_s} s after {bench.warmup_s} s warm-up, "
        f"gunicorn 2 workers, {os.cpu_count()} CPUs. app CPU/req: the workers' CPU time per "
        "answer (steadier than req/s on a shared machine). CPU: share of one core used by the "
        "gunicorn workers, wrk, PostgreSQL and everything else on the machine (noise if large)."
    )
    for i, line in enumerate(lines):
        print("  ".join(cell.ljust(w) if j < 3 or j == len(header) - 1 else cell.rjust(w)
                        for j, (cell, w) in enumerate(zip(line, widths, strict=True))))  # fmt: skip
        if i == 0:
            print("  ".join("-" * w for w in widths))
    busiest = max(r.phase.other_cpu_s / r.phase.duration_s for r in rows)
    if busiest > NOISY_OTHER_CPU:
        print(
            f"warning: other processes used up to {busiest:.0%} of a core during a measurement; "
            "on a machine this small that skews every number: rerun when it is idle."
        )
    print()
    for r in rows:
        if r.webhook == "incoming" and r.target != "static TwiML":
            ok = r.phase.p99_ms <= TARGET_P99_MS and r.phase.rps >= TARGET_RPS
            print(
                f"target p99 <= {TARGET_P99_MS:.0f} ms and >= {TARGET_RPS:.0f} req/s, incoming, "
                f"{r.worker}, {r.target}: {'met' if ok else 'MISSED'}"
            )


# --- profile --------------------------------------------------------------------------------

# Where the time goes, by who owns the code (cProfile's own time per function, summed).
AREAS = (
    ("sqlite3", "sqlite3 driver"),
    ("psycopg", "psycopg driver"),
    ("/sqlalchemy/", "SQLAlchemy"),
    ("/werkzeug/", "Werkzeug"),
    ("/flask/", "Flask"),
    ("/twilio/", "twilio (validator, TwiML)"),
    ("/xml/", "xml.etree (TwiML)"),
    ("/hotline/", "hotline"),
    ("/json/", "json"),
    ("/logging/", "logging"),
)


def area(filename: str, name: str) -> str:
    """Which library a profiled function belongs to."""
    where = f"{filename} {name}"
    for needle, label in AREAS:
        if needle in where:
            return label
    return "C builtins" if filename == "~" else "other Python"


def profile(count: int, kind: str, postgres_url: str, top: int, out: Path | None) -> None:
    """Profile the incoming webhook in-process over `count` fresh calls."""
    sys_path()
    from werkzeug.test import EnvironBuilder

    from hotline import create_app
    from hotline.settings import Settings

    base_url = "http://127.0.0.1:5000"
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp), postgres_url) as url:
        settings = Settings(
            secret_key=secrets.token_hex(32),
            database_url=url,
            carrier_auth_token=AUTH_TOKEN,
            public_base_url=base_url,
            broker_url="memory://",
            log_level="WARNING",
        )
        app = create_app(settings)

        def environs(n: int) -> list[dict[str, Any]]:
            # WSGI environs built before the clock (a test client would be measured too).
            from twilio.request_validator import RequestValidator

            validator = RequestValidator(AUTH_TOKEN)
            built = []
            for _ in range(n):
                target, params = incoming_request(new_call_sid())
                signature = validator.compute_signature(base_url + target, params)
                builder = EnvironBuilder(
                    path=target, base_url=base_url, method="POST", data=params,
                    headers=[("X-Twilio-Signature", signature)],
                )  # fmt: skip
                built.append(builder.get_environ())
                builder.close()
            return built

        def drive(batch: list[dict[str, Any]]) -> None:
            status: list[str] = []

            def start_response(code: str, headers: Any, exc_info: Any = None) -> Any:
                status.append(code)
                return None

            for environ in batch:
                body = b"".join(app(environ, start_response))
                if not status[-1].startswith("200") or EXPECTED_IN_BODY.encode() not in body:
                    raise SystemExit(f"bad answer {status[-1]}: {body[:300]!r}")

        drive(environs(300))  # warm-up: imports, compiled statements, flow cache
        timed = environs(count)
        wall, cpu = time.perf_counter(), time.process_time()
        drive(timed)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        profiled = environs(count)
        profiler = cProfile.Profile()
        profiler.enable()
        drive(profiled)
        profiler.disable()

    if out is not None:
        profiler.dump_stats(out)
    raw_stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in raw_stats.values())
    by_area: dict[str, float] = {}
    for (filename, _line, name), (_, _, tt, _, _) in raw_stats.items():
        by_area[area(filename, name)] = by_area.get(area(filename, name), 0.0) + tt
    # CPU time is the figure to trust on a shared machine; wall time includes waiting for a core.
    print(
        f"\nincoming webhook in-process on {kind}, {count} calls, unprofiled: "
        f"{cpu / count * 1e6:.0f} µs CPU per request ({count / cpu:.0f} req/s per core), "
        f"{wall / count * 1e6:.0f} µs wall"
    )
    print(f"\nown time by area under cProfile ({total / count * 1e6:.0f} µs per request):")
    for label, tt in sorted(by_area.items(), key=lambda item: -item[1]):
        print(f"  {label:28} {tt / total:6.1%}  {tt / count * 1e6:7.0f} µs")
    for sort in ("cumulative", "tottime"):
        report = io.StringIO()
        pstats.Stats(profiler, stream=report).strip_dirs().sort_stats(sort).print_stats(top)
        print(f"\n--- top {top} by {sort} ---")
        print(report.getvalue().split("\n\n", 2)[-1].rstrip())


# --- main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    """Run the load table, or the in-process profile with --profile."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per phase")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per phase")
    parser.add_argument("--connections", type=int, default=8, help="concurrent clients")
    parser.add_argument("--worker-class", default="sync,gthread", help="comma-separated")
    # Two threads per worker is what the Procfile runs: a thread waiting on the database's
    # commit lets the other one work.
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_ADMIN_URL,
        help="server and maintenance database to create the bench database on",
    )
    parser.add_argument(
        "--max-rate",
        type=int,
        default=3000,
        help="req/s the pre-signed pools must last for (more costs memory)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        default=0,
        help="instead: cProfile N incoming webhooks in-process",
    )
    parser.add_argument("--profile-database", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--top", type=int, default=25, help="functions listed by --profile")
    parser.add_argument("--profile-out", type=Path, help="also write the pstats file here")
    args = parser.parse_args(argv)  # fmt: skip

    if args.profile:
        profile(args.profile, args.profile_database, args.postgres_url, args.top, args.profile_out)
        return
    if shutil.which("wrk") is None:
        raise SystemExit(
            "bench/webhooks.py needs wrk, the HTTP load generator: install the Debian package "
            "`wrk` (apt-get install wrk)."
        )
    sys_path()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
        bench = Bench(args.connections, args.duration, args.warmup, args.max_rate, Path(tmp))
        for worker in args.worker_class.split(","):
            print(f"{worker}: static TwiML ...", file=sys.stderr, flush=True)
            rows.append(run_static(bench, worker, args.threads))
            for kind in args.databases.split(","):
                print(f"{worker}: {kind} ...", file=sys.stderr, flush=True)
                rows.extend(run_app(bench, worker, args.threads, kind, args.postgres_url))
        print_table(rows, bench)
        bad = [r for r in rows if r.phase.errors or not r.rows.startswith(("ok", "-"))]
        if bad:
            for r in bad:
                log = bench.workdir / f"gunicorn-{r.target.split()[0]}-{r.worker}.log"
                if log.exists() and log.stat().st_size:
                    print(f"--- {log.name} (last lines) ---", file=sys.stderr)
                    print("\n".join(log.read_text().splitlines()[-20:]), file=sys.stderr)
            raise SystemExit(1)


if __name__ == "__main__":
    main()
