"""Readiness facts: heartbeats of workers and beat, probes with a time limit, and the verdict
/readyz answers with. No personal data: process names, ages and booleans only."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.db import upsert
from hotline.models import Heartbeat

T = TypeVar("T")

WORKER = "worker"
BEAT = "beat"
# Rows of processes not heard from for this long are dropped (restarts leave one per pid).
FORGET_AFTER = timedelta(days=1)


class ProbeFailed(Exception):
    """A probe raised or did not answer in time; the message says which, never a secret."""


def probe(check: Callable[[], T], timeout_s: float) -> T:
    """Run `check` in a daemon thread and wait at most `timeout_s` for it: a database or broker
    that hangs (a dropped packet, not a refusal) cannot hold the request past the limit."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = check()
        except Exception as exc:  # reported, not raised: the caller decides
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="readiness-probe", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise ProbeFailed(f"no answer within {timeout_s:g} s")
    if "error" in outcome:
        # The class only: messages can carry URLs with passwords.
        raise ProbeFailed(type(outcome["error"]).__name__)
    value: T = outcome["value"]
    return value


def record_heartbeat(
    session: Session,
    name: str,
    role: str,
    at: datetime,
    *,
    model_loaded: bool = False,
    model_language: str = "",
) -> None:
    """Write the process's sign of life (one row per process, replaced each time) and drop the
    rows of processes gone for a day. The caller commits."""
    values = {"role": role, "seen_at": at, "model_loaded": model_loaded}
    values["model_language"] = model_language
    stmt = upsert(session, Heartbeat).values(name=name[:100], **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))
    session.execute(delete(Heartbeat).where(Heartbeat.seen_at < at - FORGET_AFTER))


@dataclass(frozen=True)
class ProcessBeat:
    """One process's last heartbeat as /readyz shows it."""

    name: str
    role: str
    age_s: float
    stale: bool
    model_loaded: bool
    model_language: str

    def as_json(self) -> dict[str, Any]:
        """The JSON object of this heartbeat."""
        return {
            "name": self.name,
            "age_s": round(self.age_s, 1),
            "stale": self.stale,
            "model_loaded": self.model_loaded,
            "model_language": self.model_language,
        }


@dataclass(frozen=True)
class LineFacts:
    """The heartbeats: beat's latest job and every worker process heard from lately."""

    beat: ProcessBeat | None
    workers: tuple[ProcessBeat, ...]

    @property
    def fresh_workers(self) -> tuple[ProcessBeat, ...]:
        """Workers heard from within the stale limit."""
        return tuple(w for w in self.workers if not w.stale)


def line_facts(session: Session, at: datetime, stale_after: timedelta) -> LineFacts:
    """Read the heartbeats (a query the database answers from a handful of rows)."""
    rows = session.scalars(select(Heartbeat).order_by(Heartbeat.name)).all()

    def seen(row: Heartbeat) -> ProcessBeat:
        age = max((at - row.seen_at).total_seconds(), 0.0)
        stale = age > stale_after.total_seconds()
        return ProcessBeat(row.name, row.role, age, stale, row.model_loaded, row.model_language)

    beats = [seen(row) for row in rows if row.role == BEAT]
    workers = tuple(seen(row) for row in rows if row.role == WORKER)
    return LineFacts(min(beats, key=lambda b: b.age_s, default=None), workers)


@dataclass(frozen=True)
class Check:
    """A dependency probed: reachable or not, and why not."""

    ok: bool
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        """The JSON object of this check."""
        return {"ok": self.ok, "detail": self.detail} if self.detail else {"ok": self.ok}


@dataclass(frozen=True)
class Readiness:
    """/readyz's verdict: ready when the database and the broker answer; `strict` (drills,
    monitoring) also wants beat's jobs, a worker and a loaded speech model to be fresh."""

    database: Check
    broker: Check
    facts: LineFacts | None
    problems: tuple[str, ...]

    @property
    def ready(self) -> bool:
        """True when nothing required is missing."""
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        """The body of /readyz."""
        facts = self.facts
        beat = facts.beat if facts is not None else None
        return {
            "status": "ready" if self.ready else "unavailable",
            "problems": list(self.problems),
            "database": self.database.as_json(),
            "broker": self.broker.as_json(),
            "beat": (
                {"last_job_age_s": round(beat.age_s, 1), "stale": beat.stale} if beat else None
            ),
            "workers": [w.as_json() for w in facts.workers] if facts is not None else [],
        }


def check(
    open_session: Callable[[], Session],
    ping_broker: Callable[[], object],
    at: datetime,
    *,
    timeout_s: float,
    stale_after: timedelta,
    strict: bool,
) -> Readiness:
    """Probe the database (reading the heartbeats) and the broker, each within `timeout_s`,
    and judge readiness."""

    def read_facts() -> LineFacts:
        with open_session() as session:
            return line_facts(session, at, stale_after)

    facts: LineFacts | None = None
    try:
        facts = probe(read_facts, timeout_s)
        database = Check(True)
    except ProbeFailed as exc:
        database = Check(False, str(exc))
    try:
        probe(ping_broker, timeout_s)
        broker = Check(True)
    except ProbeFailed as exc:
        broker = Check(False, str(exc))
    return readiness(database, broker, facts, strict=strict)


def readiness(
    database: Check, broker: Check, facts: LineFacts | None, *, strict: bool
) -> Readiness:
    """Judge readiness from the probes and the heartbeats. A web node stays ready while only
    beat or the workers are down (it still answers calls; the sweeps catch up later), so the
    load balancer never takes every node out at once; `strict` reports those too."""
    problems = [
        name for name, check in (("database", database), ("broker", broker)) if not check.ok
    ]
    if strict and facts is not None:
        if facts.beat is None or facts.beat.stale:
            problems.append("beat")
        fresh = facts.fresh_workers
        if not fresh:
            problems.append("workers")
        elif not any(w.model_loaded for w in fresh):
            problems.append("speech model")
    return Readiness(database, broker, facts, tuple(problems))
