"""Stored KPI reports: a year's pass over ~330,000 tickets (and the year before) takes seconds,
so a beat job (`refresh`) stores each month's, quarter's and year's report, and the page
(`stored_report`) reads the stored one while it is fresh, else counts live.

Fresh: a period is final once its promise has run out for its last tickets (its end plus the
promise): a snapshot computed after that is kept for good. Before that (the current period and
the one just ended) a snapshot serves for MAX_AGE, and the job recomputes it. The page says
"as of" the snapshot's time. The backlog (tickets open now) is always counted live. Chosen days
(custom periods) are always counted live.

Known limit: a ticket of a final period that is reopened and resolved again later, or rated
later, changes its figures only in a live count, not in the kept snapshot.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.kpi import metrics
from hotline.kpi.periods import Period, PeriodKind, period_of
from hotline.models import KpiSnapshot, Ticket

# How long a snapshot of a period not yet final is used (the job runs every 5 minutes).
MAX_AGE = timedelta(minutes=15)
STORED_KINDS = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)


def stored_report(
    session: Session,
    period: Period,
    *,
    now: datetime,
    timezone: str,
    promise_days: int,
    target: float,
) -> metrics.Report:
    """The KPI of `period`: its stored snapshot if fresh at `now`, else counted live."""
    if period.kind in STORED_KINDS:
        snapshot = _find(session, period, promise_days)
        if snapshot is not None and _fresh(snapshot, period, now, timezone, promise_days):
            return _load(snapshot, period, target, metrics.backlog(session, now))
    return metrics.report(
        session, period, now=now, timezone=timezone, promise_days=promise_days, target=target
    )


def refresh(
    session: Session, *, now: datetime, timezone: str, promise_days: int, target: float
) -> int:
    """Store the report of every month, quarter and year from the first ticket's to now's whose
    snapshot is missing or no longer fresh (each in its own flush; the caller commits).
    Returns how many were computed."""
    first = session.scalar(select(func.min(Ticket.created_at)))
    if first is None:
        return 0
    today = now.astimezone(ZoneInfo(timezone)).date()
    start = first.astimezone(ZoneInfo(timezone)).date()
    computed = 0
    for kind in STORED_KINDS:
        period = period_of(kind, start)
        while period.first <= today:
            snapshot = _find(session, period, promise_days)
            if snapshot is None or not _fresh(snapshot, period, now, timezone, promise_days):
                report = metrics.report(
                    session,
                    period,
                    now=now,
                    timezone=timezone,
                    promise_days=promise_days,
                    target=target,
                )
                if snapshot is None:
                    snapshot = KpiSnapshot(
                        kind=period.kind.value,
                        first=period.first,
                        last=period.last,
                        promise_days=promise_days,
                    )
                    session.add(snapshot)
                snapshot.computed_at = now
                snapshot.body = json.dumps(_dump(report))
                session.flush()
                computed += 1
            period = period.following()
    return computed


def _find(session: Session, period: Period, promise_days: int) -> KpiSnapshot | None:
    return session.scalar(
        select(KpiSnapshot).where(
            KpiSnapshot.kind == period.kind.value,
            KpiSnapshot.first == period.first,
            KpiSnapshot.last == period.last,
            KpiSnapshot.promise_days == promise_days,
        )
    )


def _fresh(
    snapshot: KpiSnapshot, period: Period, now: datetime, timezone: str, promise_days: int
) -> bool:
    final_at = period.end(timezone) + timedelta(days=promise_days)
    return snapshot.computed_at >= final_at or now - snapshot.computed_at <= MAX_AGE


def _tally(tally: metrics.Tally) -> list[Any]:
    return [getattr(tally, name) for name in metrics.Tally.__dataclass_fields__]


def _rows(rows: list[metrics.Row]) -> list[list[Any]]:
    return [[row.id, row.name, row.name_en, _tally(row.tally)] for row in rows]


def _dump(report: metrics.Report) -> dict[str, Any]:
    return {
        "total": _tally(report.total),
        "median_hours": report.median_hours,
        "previous": _tally(report.previous),
        "previous_median_hours": report.previous_median_hours,
        "parts": [_tally(part.tally) for part in report.parts],
        "communities": _rows(report.communities),
        "categories": _rows(report.categories),
        "technicians": _rows(report.technicians),
    }


def _load(
    snapshot: KpiSnapshot,
    period: Period,
    target: float,
    backlog: list[tuple[metrics.Age, int]],
) -> metrics.Report:
    body = json.loads(snapshot.body)

    def tally(values: list[Any]) -> metrics.Tally:
        return metrics.Tally(*values)

    def rows(values: list[list[Any]]) -> list[metrics.Row]:
        return [metrics.Row(key, name, name_en, tally(t)) for key, name, name_en, t in values]

    return metrics.Report(
        period=period,
        previous_period=period.previous(),
        as_of=snapshot.computed_at,
        promise_days=snapshot.promise_days,
        target=target,
        total=tally(body["total"]),
        median_hours=body["median_hours"],
        previous=tally(body["previous"]),
        previous_median_hours=body["previous_median_hours"],
        parts=[
            metrics.Part(part, tally(values))
            for part, values in zip(period.parts(), body["parts"], strict=True)
        ],
        backlog=backlog,
        communities=rows(body["communities"]),
        categories=rows(body["categories"]),
        technicians=rows(body["technicians"]),
    )
