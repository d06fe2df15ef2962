"""The line's real processes on one machine, for the fault drills (tests/drills) and the load
bench (bench/load.py): a Redis of its own, a fresh PostgreSQL database, gunicorn, Celery workers
and beat. Each process runs in its own process group (so a kill reaches its children) with its
log in a work directory, and is configured through HOTLINE_* variables only, as in production.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from hotline import tickets
from hotline.db import make_engine, make_session_factory, transaction, utcnow
from hotline.devtools.demo import VOLUNTEERS, seed_demo_rota
from hotline.migrate import upgrade
from hotline.models import Volunteer
from hotline.settings import PROJECT_ROOT

# How long a process may take to come up before the run gives up on it.
START_TIMEOUT_S = 60.0
# How long a process has to exit after SIGTERM before it is killed.
STOP_TIMEOUT_S = 20.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Process:
    """One server process (and its children), started and stopped as a group."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self, ready: str, timeout: float = START_TIMEOUT_S) -> Process:
        """Start it (again) and wait until its log, from now on, contains `ready`."""
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(  # noqa: S603  (our own commands)
                self.command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_for(ready, timeout, offset)
        return self

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.popen is not None and self.popen.poll() is None

    def output(self, offset: int = 0) -> str:
        """Its log from `offset` (a byte position) on."""
        if not self.log.exists():
            return ""
        with self.log.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def wait_for(self, needle: str, timeout: float, offset: int = 0) -> None:
        """Wait until the log from `offset` contains `needle`; RuntimeError if the process
        exits or the time runs out first."""
        deadline = time.monotonic() + timeout
        while needle not in self.output(offset):
            if not self.running:
                raise RuntimeError(f"{self.name} exited:\n{self.output(offset)[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: no {needle!r} in {timeout:.0f} s:\n"
                                   f"{self.output(offset)[-3000:]}")  # fmt: skip
            time.sleep(0.1)

    def signal_group(self, signum: int) -> None:
        """Send `signum` to the whole process group."""
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signum)

    def kill(self) -> None:
        """SIGKILL the process and its children at once (a crash: nothing gets to clean up)."""
        if self.popen is not None:
            self.signal_group(signal.SIGKILL)
            self.popen.wait(timeout=STOP_TIMEOUT_S)

    def stop(self) -> None:
        """SIGTERM the group, then SIGKILL what is left after STOP_TIMEOUT_S."""
        if self.popen is None:
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.popen.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass
        # Children (a prefork pool, gunicorn's workers) may outlive their parent's exit.
        self.signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=STOP_TIMEOUT_S)


def redis_process(workdir: Path, port: int) -> Process:
    """A Redis of the run's own on `port`, keeping nothing on disk: stopping it loses every
    queued message, as a broker that crashed would (never the machine's Redis)."""
    command = [
        "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", str(workdir),
    ]  # fmt: skip
    return Process("redis", command, dict(os.environ), workdir / f"redis-{port}.log")


REDIS_READY = "Ready to accept connections"


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the server of `admin_url`, migrated and seeded with the
    categories and volunteers on duty now; dropped (with its connections) afterwards."""
    name = f"hotline_line_{secrets.token_hex(5)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        prepare(url, utcnow())
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str, now: datetime) -> None:
    """Migrate, then seed the categories and the demo's volunteers on duty at `now`."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            seed_volunteers(session, now)
    finally:
        engine.dispose()


def seed_volunteers(session: Session, now: datetime) -> None:
    """The categories, and the demo's volunteers in a rota on duty at `now`."""
    tickets.ensure_categories(session)
    volunteers = [Volunteer(name=name, mobile=mobile) for name, mobile in VOLUNTEERS]
    session.add_all(volunteers)
    session.flush()
    seed_demo_rota(session, volunteers, now)


def terminate_connections(admin_url: str, database_url: str) -> int:
    """End every server process connected to the database of `database_url` (a dropped
    connection, as after a failover or a network cut); returns how many were ended."""
    name = make_url(database_url).database
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            ended = conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM"
                    " pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).scalar_one()
    finally:
        admin.dispose()
    return int(ended)


@dataclass
class Line:
    """The line's processes sharing one database, broker and configuration."""

    workdir: Path
    env: dict[str, str]
    processes: list[Process] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """Where gunicorn listens (also the public base URL the signatures are checked for)."""
        return self.env["HOTLINE_PUBLIC_BASE_URL"]

    def _process(self, name: str, command: list[str]) -> Process:
        process = Process(name, command, self.env, self.workdir / f"{name}.log")
        self.processes.append(process)
        return process

    def web(self, workers: int = 1, threads: int = 2) -> Process:
        """gunicorn serving app:app with `workers` gthread workers, once it answers HTTP."""
        port = self.base_url.rsplit(":", 1)[1]
        command = [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
            "--log-level", "info", "app:app",
        ]  # fmt: skip
        process = self._process("web", command)
        # "Booting worker" is logged before the app is imported: wait for an HTTP answer too.
        process.start("Booting worker")
        wait_for_http(self.base_url + "/healthz", process)
        return process

    def worker(
        self, name: str, queues: str = "default,transcription", pool: int = 1, nice: int = 0
    ) -> Process:
        """A Celery worker (prefork, `pool` children) on `queues`, once it is ready; `nice`
        lowers its CPU priority below the web's (one machine standing in for several)."""
        command = [
            "nice", "-n", str(nice), sys.executable, "-m", "celery", "-A", "worker", "worker",
            "--hostname", f"{name}@%h", "--queues", queues, "--concurrency", str(pool),
            "--loglevel", "INFO", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        return self._process(name, command).start(" ready.")

    def beat(self) -> Process:
        """Celery beat with its schedule file in the work directory."""
        command = [
            sys.executable, "-m", "celery", "-A", "worker", "beat", "--loglevel", "INFO",
            "--schedule", str(self.workdir / "beat-schedule"),
        ]  # fmt: skip
        return self._process("beat", command).start("beat: Starting")

    def close(self) -> None:
        """Stop every process, the last started first."""
        for process in reversed(self.processes):
            process.stop()

    def errors(self) -> list[str]:
        """Lines of the logs that report a failure (a traceback, an ERROR from the app's
        logging or gunicorn's)."""
        return [
            f"{process.name}: {line}"
            for process in self.processes
            for line in process.output().splitlines()
            if "Traceback" in line or " ERROR " in line or "[ERROR]" in line
        ]


def wait_for_http(url: str, process: Process, timeout: float = START_TIMEOUT_S) -> None:
    """Wait until `url` answers any HTTP status (the app is imported and serving)."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.running:
            raise RuntimeError(f"{process.name} exited:\n{process.output()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310  (127.0.0.1)
                return
        except urllib.error.HTTPError:
            return  # an answer all the same
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s:\n{process.output()[-3000:]}")


def line_env(
    workdir: Path,
    *,
    database_url: str,
    broker_url: str,
    port: int,
    account: tuple[str, str],
    **settings: str,
) -> dict[str, str]:
    """The environment of every process of a line: database, broker, the carrier account
    (`account`: SID and auth token), recordings under `workdir`, SMS off; `settings` adds
    HOTLINE_<NAME> variables (transcribe_lease_seconds="5")."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(
        HOTLINE_SECRET_KEY=secrets.token_hex(32),
        HOTLINE_DATABASE_URL=database_url,
        HOTLINE_BROKER_URL=broker_url,
        HOTLINE_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        HOTLINE_CARRIER_ACCOUNT_SID=account[0],
        HOTLINE_CARRIER_AUTH_TOKEN=account[1],
        # Nothing may leave the machine: no SMS, the carrier's REST API on a closed port.
        HOTLINE_CARRIER_API_BASE_URL=f"http://127.0.0.1:{free_port()}",
        HOTLINE_SMS_FROM="",
        HOTLINE_CALLER_SMS="false",
        HOTLINE_CARRIER_MEDIA_ALLOW_HTTP="true",
        HOTLINE_RECORDINGS_DIR=str(workdir / "recordings"),
        HOTLINE_MODELS_DIR=str(workdir / "models"),
        HOTLINE_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update({f"HOTLINE_{name.upper()}": value for name, value in settings.items()})
    return env
