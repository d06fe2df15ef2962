"""Rota reports: coverage ahead (gaps, missing backups, conflicts) and fairness over a period."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hotline.models import Call, CoverageAlert, Rotation, RotationMember, Team, Volunteer
from hotline.rota.cadence import Restriction, first_instant, weekday_mask
from hotline.rota.chain import RotaPlan, Segment, ShiftWindow, merge_runs, plan_between

# Local hours counted as night and days counted as weekend in the fairness report.
NIGHT = Restriction(hours_from=time(22, 0), hours_to=time(6, 0))
WEEKEND = Restriction(weekdays=weekday_mask([5, 6]))


@dataclass(frozen=True)
class Window:
    """A stretch of time."""

    starts_at: datetime
    ends_at: datetime

    @property
    def hours(self) -> float:
        """Length in hours."""
        return (self.ends_at - self.starts_at).total_seconds() / 3600


@dataclass(frozen=True)
class Conflict:
    """A volunteer scheduled while on leave (or no longer active): nobody holds that slot."""

    window: ShiftWindow
    reason: str  # "leave" or "inactive"


@dataclass(frozen=True)
class CoverageReport:
    """What is wrong with the rota over a period: the supervisor's to-do list."""

    starts_at: datetime
    ends_at: datetime
    gaps: list[Window]  # nobody on layer 1: calls go straight to the supervisors' fallback
    no_backup: list[Window]  # someone on layer 1, nobody behind them
    conflicts: list[Conflict]


def _stretches(segments: Sequence[Segment], wanted: Callable[[Segment], bool]) -> list[Window]:
    found: list[Window] = []
    for segment in segments:
        if not wanted(segment):
            continue
        if found and found[-1].ends_at == segment.starts_at:
            found[-1] = Window(found[-1].starts_at, segment.ends_at)
        else:
            found.append(Window(segment.starts_at, segment.ends_at))
    return found


def coverage(plan: RotaPlan, start: datetime, end: datetime) -> CoverageReport:
    """The coverage report of an already computed plan (plan_between)."""

    def primary(segment: Segment) -> bool:
        return any(d.layer == 1 for d in segment.chain)

    def backed(segment: Segment) -> bool:
        return any(d.layer > 1 for d in segment.chain)

    return CoverageReport(
        start,
        end,
        gaps=_stretches(plan.segments, lambda s: not primary(s)),
        no_backup=_stretches(plan.segments, lambda s: primary(s) and not backed(s)),
        conflicts=[
            Conflict(w, "inactive" if w.volunteer_id in plan.inactive else "leave")
            for w in plan.missing()
        ],
    )


def coverage_report(session: Session, start: datetime, days: int) -> CoverageReport:
    """Gaps, windows without backup and leave conflicts over the `days` from `start`."""
    end = start + timedelta(days=days)
    return coverage(plan_between(session, start, end), start, end)


@dataclass(frozen=True)
class CalendarDay:
    """One local day of the rota calendar: who is on duty, and the gaps, cut to the day."""

    day: date
    windows: list[ShiftWindow]
    gaps: list[Window]


def calendar(session: Session, first: date, days: int, timezone: str) -> list[CalendarDay]:
    """The rota day by day (local days) from `first`, for the supervisors' calendar."""
    tz = ZoneInfo(timezone)
    bounds = [
        first_instant(datetime.combine(first + timedelta(days=n), time(0)), tz)
        for n in range(days + 1)
    ]
    plan = plan_between(session, bounds[0], bounds[-1])
    # A volunteer's back-to-back turns read as one stretch (a day on duty is all day).
    windows = merge_runs(plan.windows())
    gaps = coverage(plan, bounds[0], bounds[-1]).gaps
    out: list[CalendarDay] = []
    for n, (lo, hi) in enumerate(pairwise(bounds)):
        out.append(
            CalendarDay(
                first + timedelta(days=n),
                [
                    replace(w, starts_at=max(w.starts_at, lo), ends_at=min(w.ends_at, hi))
                    for w in windows
                    if w.starts_at < hi and w.ends_at > lo
                ],
                [
                    Window(max(g.starts_at, lo), min(g.ends_at, hi))
                    for g in gaps
                    if g.starts_at < hi and g.ends_at > lo
                ],
            )
        )
    return out


def open_alerts(session: Session) -> list[CoverageAlert]:
    """Coverage gap alerts not resolved yet, soonest first: the dashboard's warning list."""
    return list(
        session.scalars(
            select(CoverageAlert)
            .where(CoverageAlert.resolved_at.is_(None))
            .order_by(CoverageAlert.starts_at)
        )
    )


@dataclass(frozen=True)
class Spread:
    """How evenly a quantity is shared out."""

    total: float
    max: float
    min: float
    mean: float
    stdev: float  # population standard deviation: the volunteers listed are everyone

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """The spread of `values` (all zero when there are none)."""
        if not values:
            return cls(0.0, 0.0, 0.0, 0.0, 0.0)
        return cls(
            sum(values),
            max(values),
            min(values),
            statistics.mean(values),
            statistics.pstdev(values),
        )


@dataclass(frozen=True)
class Load:
    """What one volunteer carried over the period."""

    volunteer_id: int
    name: str
    team_id: int | None
    hours: float
    primary_hours: float
    night_hours: float
    weekend_hours: float
    calls: int


@dataclass(frozen=True)
class LoadSummary:
    """Loads of a group of volunteers (a team, or everyone) and their spread."""

    loads: list[Load]
    hours: Spread
    night_hours: Spread
    weekend_hours: Spread
    calls: Spread

    @classmethod
    def of(cls, loads: list[Load]) -> LoadSummary:
        """Summarise `loads`."""
        return cls(
            loads,
            Spread.of([x.hours for x in loads]),
            Spread.of([x.night_hours for x in loads]),
            Spread.of([x.weekend_hours for x in loads]),
            Spread.of([float(x.calls) for x in loads]),
        )


@dataclass(frozen=True)
class TeamSummary:
    """A team's share of the load."""

    team_id: int | None
    name: str
    summary: LoadSummary


@dataclass(frozen=True)
class FairnessReport:
    """Hours, night and weekend hours and calls per volunteer, overall and per team."""

    starts_at: datetime
    ends_at: datetime
    overall: LoadSummary
    teams: list[TeamSummary]


def _overlap_hours(window: ShiftWindow, restriction: Restriction, tz: ZoneInfo) -> float:
    seconds = sum(
        (hi - lo).total_seconds()
        for lo, hi in restriction.windows(window.starts_at, window.ends_at, tz)
    )
    return seconds / 3600


def fairness_report(
    session: Session, start: datetime, end: datetime, *, timezone: str = "Asia/Shanghai"
) -> FairnessReport:
    """Who carried the rota over [start, end): everyone on duty, answering calls or in a rotation.

    Hours count every layer (backups included); night is 22:00-06:00 and weekend is
    Saturday and Sunday, local time. Calls are those the volunteer answered.
    """
    tz = ZoneInfo(timezone)
    totals: dict[int, tuple[float, float, float, float]] = {}
    for w in plan_between(session, start, end).windows():
        before = totals.get(w.volunteer_id, (0.0, 0.0, 0.0, 0.0))
        totals[w.volunteer_id] = (
            before[0] + w.hours,
            before[1] + (w.hours if w.layer == 1 else 0.0),
            before[2] + _overlap_hours(w, NIGHT, tz),
            before[3] + _overlap_hours(w, WEEKEND, tz),
        )
    calls: dict[int, int] = {}
    for volunteer_id, count in session.execute(
        select(Call.answered_by_id, func.count())
        .where(Call.answered_by_id.is_not(None), Call.started_at >= start, Call.started_at < end)
        .group_by(Call.answered_by_id)
    ):
        if volunteer_id is not None:
            calls[volunteer_id] = count
    # Active rotation members with nothing to show belong in the report: they are the unfairness.
    members = session.scalars(
        select(RotationMember.volunteer_id)
        .join(Rotation)
        .join(Volunteer, RotationMember.volunteer_id == Volunteer.id)
        .where(
            Volunteer.active.is_(True),
            Rotation.active.is_(True),
            Rotation.starts_at < end,
            or_(Rotation.ends_at.is_(None), Rotation.ends_at > start),
        )
    ).all()
    people = session.execute(
        select(Volunteer.id, Volunteer.name, Volunteer.team_id, Team.name)
        .outerjoin(Team, Volunteer.team_id == Team.id)
        .where(Volunteer.id.in_(set(totals) | set(calls) | set(members)))
        .order_by(Team.name, Volunteer.name)
    ).all()
    loads: list[Load] = []
    teams: dict[int | None, tuple[str, list[Load]]] = {}
    for volunteer_id, name, team_id, team_name in people:
        hours, primary, night, weekend = totals.get(volunteer_id, (0.0, 0.0, 0.0, 0.0))
        load = Load(
            volunteer_id,
            name,
            team_id,
            round(hours, 2),
            round(primary, 2),
            round(night, 2),
            round(weekend, 2),
            calls.get(volunteer_id, 0),
        )
        loads.append(load)
        teams.setdefault(team_id, (team_name or "", []))[1].append(load)
    return FairnessReport(
        start,
        end,
        LoadSummary.of(loads),
        [TeamSummary(tid, name, LoadSummary.of(group)) for tid, (name, group) in teams.items()],
    )
