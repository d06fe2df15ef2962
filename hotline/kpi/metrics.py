"""The county's KPI over a period: the share of tickets resolved within the promise (3 days)
against the target (90%), time to resolution, the period before, backlog by age, and the
breakdowns per community, category and technician.

What counts (the README's "KPI" section says the same for supervisors):

- the tickets created in the period (local days); tickets closed without being resolved
  (duplicates, wrong numbers) are left out and counted apart;
- met: resolved, and resolved_at - created_at <= the promise. A reopened ticket counts by its
  final resolution, its clock running from the original start;
- missed: resolved later than the promise, or not resolved and its promise ran out before now
  (so a ticket still open at the period's end, or resolved after it, is missed once its
  promise has passed);
- pending: not resolved and its promise has not yet run out now. Neither met nor missed yet, it
  stays out of the share and is shown apart; it can only be a ticket of the last few days;
- share = met / (met + missed); time to resolution over the resolved tickets (median, mean);
- satisfaction: the scores residents gave the period's tickets (average and count);
- backlog: tickets open now, by age.

Everything is counted by SQL aggregates in one pass over the period and the period before
(plus the medians and the backlog): no ticket rows are loaded into Python.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    null,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.selectable import CompoundSelect

from hotline.kpi.periods import Period
from hotline.models import Category, Community, Technician, Ticket, TicketStatus
from hotline.tickets.clock import instant, seconds_between
from hotline.tickets.lifecycle import OPEN_STATUSES

HOUR = 3600.0


class Outcome(enum.IntEnum):
    """A ticket's standing against the promise (stored as a number in the SQL pass)."""

    EXCLUDED = 0  # closed without being resolved: not counted
    MET = 1
    MISSED = 2
    PENDING = 3


@dataclass(frozen=True)
class Tally:
    """Additive counts of a group of tickets; the figures are derived from them."""

    met: int = 0
    missed: int = 0
    pending: int = 0
    excluded: int = 0
    resolved: int = 0
    resolution_seconds: float = 0.0
    rated: int = 0
    satisfaction_sum: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            *(getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__)
        )

    @property
    def tickets(self) -> int:
        """Tickets counted: met, missed and pending (the excluded are not)."""
        return self.met + self.missed + self.pending

    @property
    def decided(self) -> int:
        """The share's denominator: met and missed."""
        return self.met + self.missed

    @property
    def share(self) -> float | None:
        """Met as a percentage of met and missed; None when nothing is decided."""
        return 100.0 * self.met / self.decided if self.decided else None

    @property
    def mean_hours(self) -> float | None:
        """Mean hours from the call to resolution over the resolved tickets."""
        return self.resolution_seconds / self.resolved / HOUR if self.resolved else None

    @property
    def satisfaction(self) -> float | None:
        """Average score (1-5) of the rated tickets."""
        return self.satisfaction_sum / self.rated if self.rated else None


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: a community, category or technician (id None: none set)."""

    id: int | None
    name: str
    name_en: str
    tally: Tally


@dataclass(frozen=True)
class Part:
    """One bar of the chart: a week or a month of the period."""

    period: Period
    tally: Tally


class Age(enum.StrEnum):
    """How long an open ticket has waited."""

    UNDER_1_DAY = "under_1_day"
    DAYS_1_TO_3 = "1_to_3_days"
    DAYS_3_TO_7 = "3_to_7_days"
    OVER_7_DAYS = "over_7_days"


@dataclass(frozen=True)
class Report:
    """The KPI of a period, with the period before for the trend."""

    period: Period
    previous_period: Period
    as_of: datetime
    promise_days: int
    target: float
    total: Tally
    median_hours: float | None
    previous: Tally
    previous_median_hours: float | None
    parts: list[Part]
    backlog: list[tuple[Age, int]]
    communities: list[Row] = field(default_factory=list)
    categories: list[Row] = field(default_factory=list)
    technicians: list[Row] = field(default_factory=list)

    @property
    def share_change(self) -> float | None:
        """Percentage points gained (or lost) since the period before."""
        if self.total.share is None or self.previous.share is None:
            return None
        return self.total.share - self.previous.share

    @property
    def meets_target(self) -> bool | None:
        """Whether the share reaches the target; None when nothing is decided."""
        return None if self.total.share is None else self.total.share >= self.target


def report(
    session: Session,
    period: Period,
    *,
    now: datetime,
    timezone: str,
    promise_days: int,
    target: float,
) -> Report:
    """The KPI of `period` as it stands at `now` (see the module's docstring for what counts)."""
    if session.get_bind().dialect.name == "postgresql":
        # JIT-compiling these expressions costs more (about 0.3 s) than a year's pass saves.
        session.execute(text("SET LOCAL jit = off"))
        # A year's pass sorts and hashes ~660,000 rows: in memory, not spilled to disk.
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    previous = period.previous()
    parts = period.parts()
    bounds = [part.start(timezone) for part in parts]
    start, end = period.start(timezone), period.end(timezone)
    groups = _groups(session, previous.start(timezone), bounds, end, now, promise_days)
    by_part = groups.get("part", {})
    medians = median_hours_pair(session, previous.start(timezone), start, end)
    return Report(
        period=period,
        previous_period=previous,
        as_of=now,
        promise_days=promise_days,
        target=target,
        total=sum((by_part.get(i, Tally()) for i in range(len(parts))), Tally()),
        median_hours=medians[1],
        previous=by_part.get(-1, Tally()),
        previous_median_hours=medians[0],
        parts=[Part(part, by_part.get(i, Tally())) for i, part in enumerate(parts)],
        backlog=backlog(session, now),
        communities=_rows(
            session, (Community.id, Community.name, Community.name), groups.get("community", {})
        ),
        categories=_rows(
            session, (Category.id, Category.name_zh, Category.name_en), groups.get("category", {})
        ),
        technicians=_rows(
            session,
            (Technician.id, Technician.name, Technician.name),
            groups.get("technician", {}),
        ),
    )


def outcome(now: datetime, promise_days: int) -> ColumnElement[int]:
    """A ticket's Outcome as a SQL expression (see the module's docstring)."""
    promise = promise_days * 86400.0
    return case(
        (
            and_(Ticket.status == TicketStatus.CLOSED, Ticket.resolved_at.is_(None)),
            Outcome.EXCLUDED.value,
        ),
        (
            Ticket.resolved_at.is_not(None),
            case(
                (
                    seconds_between(Ticket.created_at, Ticket.resolved_at) <= promise,
                    Outcome.MET.value,
                ),
                else_=Outcome.MISSED.value,
            ),
        ),
        (
            Ticket.created_at < instant(now - timedelta(days=promise_days)),
            Outcome.MISSED.value,
        ),
        else_=Outcome.PENDING.value,
    )


def _part(bounds: Sequence[datetime]) -> ColumnElement[int]:
    """Which part of the period a ticket was created in: -1 for the period before."""
    return case(
        *((Ticket.created_at < instant(bound), index - 1) for index, bound in enumerate(bounds)),
        else_=len(bounds) - 1,
    )


def _groups(
    session: Session,
    since: datetime,
    bounds: Sequence[datetime],
    end: datetime,
    now: datetime,
    promise_days: int,
) -> dict[str, dict[int | None, Tally]]:
    """Tallies per part (and the period before, part -1), and per community, category and
    technician over the period itself: one pass over the tickets created since `since`."""
    part = _part(bounds)
    tickets = select(
        part.label("part"),
        (part >= 0).label("current"),
        outcome(now, promise_days).label("outcome"),
        case(
            (
                Ticket.resolved_at.is_not(None),
                seconds_between(Ticket.created_at, Ticket.resolved_at),
            ),
            else_=null(),
        ).label("seconds"),
        Ticket.satisfaction.label("satisfaction"),
        Ticket.community_id.label("community"),
        Ticket.category_id.label("category"),
        Ticket.technician_id.label("technician"),
    ).where(Ticket.created_at >= instant(since), Ticket.created_at < instant(end))
    postgresql = session.get_bind().dialect.name == "postgresql"
    rows = tickets.subquery("period_tickets") if postgresql else tickets.cte("period_tickets")

    def counted(value: Outcome) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((rows.c.outcome == value.value, 1), else_=0)), 0)

    tallies = (
        counted(Outcome.MET),
        counted(Outcome.MISSED),
        counted(Outcome.PENDING),
        counted(Outcome.EXCLUDED),
        func.count(rows.c.seconds),
        func.coalesce(func.sum(rows.c.seconds), 0.0),
        func.count(rows.c.satisfaction),
        func.coalesce(func.sum(rows.c.satisfaction), 0),
    )
    keys = {name: rows.c[name] for name in DIMENSIONS}
    if postgresql:
        # One scan, four hash tables: GROUPING SETS; GROUPING(x) is 0 in x's own set.
        statement: Select[Any] | CompoundSelect[Any] = select(
            *(func.grouping(key) for key in keys.values()),
            rows.c.current,
            *keys.values(),
            *tallies,
        ).group_by(
            func.grouping_sets(
                tuple_(keys["part"]),
                *(tuple_(rows.c.current, key) for name, key in keys.items() if name != "part"),
            )
        )
    else:
        # SQLite has no GROUPING SETS: the same sets as a UNION ALL over the one CTE.
        statement = union_all(
            *(
                select(
                    *(literal(int(other != name)) for other in DIMENSIONS),
                    rows.c.current,
                    *(key if other == name else null() for other, key in keys.items()),
                    *tallies,
                ).group_by(rows.c.current, keys[name])
                for name in DIMENSIONS
            )
        )
    groups: dict[str, dict[int | None, Tally]] = {}
    width = len(DIMENSIONS)
    for row in session.execute(statement):
        flags, current, values = row[:width], row[width], row[width + 1 : 2 * width + 1]
        name = DIMENSIONS[list(flags).index(0)]
        if name != "part" and not current:
            continue  # the period before counts only in its total
        key = values[DIMENSIONS.index(name)]
        met, missed, pending, excluded, resolved, seconds, rated, score = row[2 * width + 1 :]
        groups.setdefault(name, {})[None if key is None else int(key)] = Tally(
            int(met),
            int(missed),
            int(pending),
            int(excluded),
            int(resolved),
            float(seconds),
            int(rated),
            int(score),
        )
    return groups


# The groups of _groups, in the order of their columns.
DIMENSIONS = ("part", "community", "category", "technician")


def median_hours_pair(
    session: Session, since: datetime, start: datetime, end: datetime
) -> tuple[float | None, float | None]:
    """The median hours to resolution over [since, start) and over [start, end): on
    PostgreSQL in one scan (two filtered aggregates), elsewhere one query each."""
    if session.get_bind().dialect.name != "postgresql":
        return median_hours(session, since, start), median_hours(session, start, end)
    seconds = seconds_between(Ticket.created_at, Ticket.resolved_at)
    median = func.percentile_cont(0.5).within_group(seconds)
    current = Ticket.created_at >= instant(start)
    row = session.execute(
        select(median.filter(~current), median.filter(current)).where(
            Ticket.created_at >= instant(since),
            Ticket.created_at < instant(end),
            Ticket.resolved_at.is_not(None),
        )
    ).one()
    before, now = row
    return (
        None if before is None else float(before) / HOUR,
        None if now is None else float(now) / HOUR,
    )


def median_hours(session: Session, start: datetime, end: datetime) -> float | None:
    """The median hours to resolution of the tickets created in [start, end) and resolved."""
    seconds = seconds_between(Ticket.created_at, Ticket.resolved_at)
    window = and_(
        Ticket.created_at >= instant(start),
        Ticket.created_at < instant(end),
        Ticket.resolved_at.is_not(None),
    )
    if session.get_bind().dialect.name == "postgresql":
        value = session.scalar(
            select(func.percentile_cont(0.5).within_group(seconds)).where(window)
        )
        return None if value is None else float(value) / HOUR
    # SQLite has no percentile: the middle one or two of the sorted durations.
    count = session.scalar(select(func.count()).where(window)) or 0
    if not count:
        return None
    middle = list(
        session.scalars(
            select(seconds)
            .where(window)
            .order_by(seconds)
            .offset((count - 1) // 2)
            .limit(2 - count % 2)
        )
    )
    return sum(middle) / len(middle) / HOUR


def backlog(session: Session, now: datetime) -> list[tuple[Age, int]]:
    """Tickets open now by age: under a day, 1-3 days, 3-7 days, over 7 days."""
    age = case(
        (Ticket.created_at > instant(now - timedelta(days=1)), literal(Age.UNDER_1_DAY.value)),
        (Ticket.created_at > instant(now - timedelta(days=3)), literal(Age.DAYS_1_TO_3.value)),
        (Ticket.created_at > instant(now - timedelta(days=7)), literal(Age.DAYS_3_TO_7.value)),
        else_=literal(Age.OVER_7_DAYS.value),
    )
    rows = session.execute(
        select(age, func.count()).where(Ticket.status.in_(OPEN_STATUSES)).group_by(age)
    )
    counts: dict[str, int] = {bucket: count for bucket, count in rows}
    return [(bucket, int(counts.get(bucket.value, 0))) for bucket in Age]


def _rows(
    session: Session,
    columns: tuple[
        InstrumentedAttribute[int], InstrumentedAttribute[str], InstrumentedAttribute[str]
    ],
    tallies: dict[int | None, Tally],
) -> list[Row]:
    """Breakdown rows named from `columns` (id, Chinese and English name), by name, the row
    without one last."""
    ids = [key for key in tallies if key is not None]
    names: dict[int, tuple[str, str]] = {}
    if ids:
        names = {
            key: (zh, en)
            for key, zh, en in session.execute(select(*columns).where(columns[0].in_(ids)))
        }
    rows = [
        Row(key, *names.get(key, ("?", "?")), tally)
        for key, tally in tallies.items()
        if key is not None
    ]
    rows.sort(key=lambda row: row.name)
    if None in tallies:
        rows.append(Row(None, "", "", tallies[None]))
    return rows
