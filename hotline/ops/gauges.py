"""The line's state as Prometheus gauges, read from the database at scrape time: calls of the
last day by outcome, open tickets by status and overdue, the transcription backlog and the
day's failures by reason, voicemails waiting for a model, the outbox's SMS of the last day,
beat's and the workers' heartbeats. Each is an indexed count over a bounded set of rows (a
day, open tickets, pending recordings), so a scrape costs a few milliseconds however long the
line has run."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from hotline.models import Call, CallOutcome, Notification, NotificationStatus, Recording, Ticket
from hotline.models import RecordingStatus as S
from hotline.ops import health
from hotline.tickets import OPEN_STATUSES

DAY = timedelta(days=1)
PENDING = (S.AWAITING_DOWNLOAD, S.DOWNLOADED, S.TRANSCRIBING)


@dataclass(frozen=True)
class Gauge:
    """One gauge family: its name, help, label names and (label values, value) samples."""

    name: str
    help: str
    labels: tuple[str, ...]
    samples: tuple[tuple[tuple[str, ...], float], ...]


def _by(
    session: Session, column: InstrumentedAttribute[Any], *where: ColumnElement[bool]
) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).where(*where).group_by(column))
    return {str(getattr(key, "value", key)): int(n) for key, n in rows}


def failure_reason(detail: str) -> str:
    """A bounded label for a recording's failure reason: its words before the first colon,
    without numbers ("download refused: 403" is "download refused", "gave up after 7
    attempts" is "gave up")."""
    head = detail.split(":", 1)[0]
    words = re.sub(r"[^a-z ]+", " ", head.lower()).split()
    return " ".join(w for w in words if w not in {"after", "attempts"})[:40] or "unknown"


def line_gauges(session: Session, at: datetime, stale_after: timedelta) -> Iterator[Gauge]:
    """Every gauge of the line's state at `at` (every label value present, zeros included)."""
    calls = _by(session, Call.outcome, Call.started_at >= at - DAY)
    yield Gauge(
        "hotline_calls_last_day",
        "Calls started in the last 24 hours, by outcome.",
        ("outcome",),
        tuple(((o.value,), calls.get(o.value, 0)) for o in CallOutcome),
    )
    tickets = _by(session, Ticket.status, Ticket.status.in_(OPEN_STATUSES))
    yield Gauge(
        "hotline_tickets",
        "Tickets not yet resolved or closed, by status.",
        ("status",),
        tuple(((s.value,), tickets.get(s.value, 0)) for s in sorted(OPEN_STATUSES)),
    )
    overdue = session.scalar(
        select(func.count(Ticket.id)).where(Ticket.status.in_(OPEN_STATUSES), Ticket.due_at < at)
    )
    yield Gauge(
        "hotline_tickets_overdue",
        "Open tickets past their promised time (SLA breaches not yet resolved).",
        (),
        (((), overdue or 0),),
    )
    waiting = session.execute(
        select(Recording.status, func.count(Recording.id), func.min(Recording.created_at))
        .where(Recording.status.in_((*PENDING, S.AWAITING_MODEL)))
        .group_by(Recording.status)
    ).all()
    backlog = sum(n for status, n, _ in waiting if status in PENDING)
    oldest = min((first for status, _, first in waiting if status in PENDING), default=None)
    yield Gauge(
        "hotline_transcription_backlog",
        "Voicemails not transcribed yet: waiting for download, downloaded or being decoded.",
        (),
        (((), backlog),),
    )
    yield Gauge(
        "hotline_transcription_oldest_seconds",
        "Age of the oldest voicemail in the transcription backlog (0 when it is empty).",
        (),
        (((), (at - oldest).total_seconds() if oldest else 0.0),),
    )
    yield Gauge(
        "hotline_recordings_awaiting_model",
        "Voicemails waiting for a speech model to be installed.",
        (),
        (((), sum(n for status, n, _ in waiting if status == S.AWAITING_MODEL)),),
    )
    failed = session.scalars(
        select(Recording.failure_reason).where(
            Recording.status == S.FAILED, Recording.updated_at >= at - DAY
        )
    )
    reasons = Counter(failure_reason(reason or "") for reason in failed)
    yield Gauge(
        "hotline_transcription_failures_last_day",
        "Voicemails given up (failed) in the last 24 hours, by reason (download, download"
        " refused, audio unreadable, gave up).",
        ("reason",),
        tuple(((reason,), n) for reason, n in sorted(reasons.items())),
    )
    sms = _by(session, Notification.status, Notification.due_at >= at - DAY)
    yield Gauge(
        "hotline_sms_outbox_last_day",
        "Outbox SMS due in the last 24 hours, by status (sent, failed, sending).",
        ("status",),
        tuple(((s.value,), sms.get(s.value, 0)) for s in NotificationStatus),
    )
    facts = health.line_facts(session, at, stale_after)
    yield Gauge(
        "hotline_beat_last_job_age_seconds",
        "Seconds since beat last sent a job (absent before beat ever ran).",
        (),
        (((), facts.beat.age_s),) if facts.beat else (),
    )
    fresh = facts.fresh_workers
    yield Gauge(
        "hotline_worker_processes",
        "Worker processes heard from within HOTLINE_HEALTH_STALE_AFTER, by whether their"
        " speech model is loaded.",
        ("model_loaded",),
        tuple(
            ((str(flag).lower(),), sum(w.model_loaded is flag for w in fresh))
            for flag in (True, False)
        ),
    )
