"""Property tests: on_duty equals a brute-force reference, never repeats anyone, honours overrides.

The reference knows nothing of hotline.rota.cadence: it tabulates the local clock reading of
every minute of the test span (zoneinfo only) and finds "the first instant the clocks read
X" by scanning that table, then applies the documented rules literally.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from itertools import accumulate
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from hotline import rota
from hotline.models import Leave, Override, Rotation, RotationMember, Volunteer
from hotline.rota.cadence import Cadence, Restriction
from hotline.rota.chain import Duty, resolve
from tests.rota.factories import VolunteerFactory

MINUTE = timedelta(minutes=1)
SPAN = timedelta(days=6)
# Spans around daylight-saving changes (and Shanghai, which has none), local midnight.
SPANS = [
    ("Asia/Shanghai", datetime(2026, 12, 1)),
    ("America/New_York", datetime(2026, 3, 5)),
    ("America/New_York", datetime(2026, 10, 29)),
    ("Europe/London", datetime(2026, 10, 22)),
    ("Australia/Lord_Howe", datetime(2026, 4, 2)),  # clocks go back 30 minutes
    ("Australia/Lord_Howe", datetime(2026, 10, 1)),
]
VOLUNTEERS = 6


@dataclass(frozen=True)
class RotationSpec:
    layer: int
    shift_hours: int
    handoff: time
    start: int  # minutes from the span start
    length: int | None  # minutes the rotation lasts; None = open-ended
    members: tuple[int, ...]  # volunteer numbers 0..VOLUNTEERS-1
    weekdays: int | None
    hours: tuple[time, time] | None


@dataclass(frozen=True)
class Window:
    number: int  # volunteer number
    start: int  # minutes from the span start
    length: int
    layer: int = 1


@dataclass(frozen=True)
class Scenario:
    timezone: str
    local_start: datetime
    rotations: tuple[RotationSpec, ...]
    overrides: tuple[Window, ...]
    leaves: tuple[Window, ...]
    inactive: frozenset[int]

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def start(self) -> datetime:
        return self.local_start.replace(tzinfo=self.tz).astimezone(UTC)

    def at(self, minutes: int) -> datetime:
        return self.start + minutes * MINUTE


half_hours = st.builds(time, st.integers(0, 23), st.sampled_from([0, 30]))
rotations = st.builds(
    RotationSpec,
    layer=st.integers(1, 3),
    shift_hours=st.sampled_from([1, 2, 5, 8, 12, 24, 36, 48]),
    handoff=half_hours,
    start=st.integers(-3 * 1440, 3 * 1440).map(lambda m: m - m % 15),
    length=st.none() | st.integers(60, 6 * 1440),
    members=st.lists(st.integers(0, VOLUNTEERS - 1), min_size=1, max_size=4).map(tuple),
    weekdays=st.none() | st.integers(1, 127),
    hours=st.none() | st.tuples(half_hours, half_hours),
)
windows = st.builds(
    Window,
    number=st.integers(0, VOLUNTEERS - 1),
    start=st.integers(-1440, 6 * 1440),
    length=st.integers(15, 2 * 1440),
    layer=st.integers(1, 3),
)
scenarios = st.builds(
    lambda span, rotations, overrides, leaves, inactive: Scenario(
        span[0], span[1], rotations, overrides, leaves, inactive
    ),
    st.sampled_from(SPANS),
    st.lists(rotations, min_size=1, max_size=4).map(tuple),
    st.lists(windows, max_size=5).map(tuple),
    st.lists(windows, max_size=3).map(tuple),
    st.frozensets(st.integers(0, VOLUNTEERS - 1), max_size=2),
)


@lru_cache
def clock_table(timezone: str, start: datetime) -> tuple[datetime, list[datetime], list[datetime]]:
    """The local reading of every minute around a span, and its running maximum."""
    # From far enough back for any anchor (shifts <= 48 h, starts >= -3 days).
    t0 = start - timedelta(days=6)
    tz = ZoneInfo(timezone)
    minutes = int((SPAN + timedelta(days=8)) / MINUTE)
    readings = [(t0 + i * MINUTE).astimezone(tz).replace(tzinfo=None) for i in range(minutes)]
    return t0, readings, list(accumulate(readings, max))


class Reference:
    """The rules of hotline.rota, applied by brute force over a minute table."""

    def __init__(self, scenario: Scenario) -> None:
        self.s = scenario
        self.t0, self.readings, self.running_max = clock_table(scenario.timezone, scenario.start)
        self.turns = [self.handoffs(r) for r in scenario.rotations]

    def clock_changes(self) -> list[datetime]:
        """Instants in the span where the clocks jump or go back."""
        return [
            self.t0 + i * MINUTE
            for i in range(1, len(self.readings))
            if self.readings[i] - self.readings[i - 1] != MINUTE
            and self.s.start < self.t0 + i * MINUTE < self.s.start + SPAN
        ]

    def wall(self, t: datetime) -> datetime:
        return self.readings[int((t - self.t0) / MINUTE)]

    def first_instant(self, reading: datetime) -> datetime:
        i = bisect.bisect_left(self.running_max, reading)
        return (
            self.t0 + i * MINUTE if i < len(self.running_max) else datetime.max.replace(tzinfo=UTC)
        )

    def handoffs(self, r: RotationSpec) -> tuple[datetime, list[datetime]]:
        start = self.s.at(r.start)
        begin = self.wall(start)
        shift = timedelta(hours=r.shift_hours)
        lattice = [datetime.combine(begin.date(), r.handoff) + j * shift for j in range(-60, 60)]
        anchor = max(p for p in lattice if p <= begin)
        end = self.s.start + SPAN + timedelta(days=1)
        points, k = [], 0
        while not points or points[-1] < end:
            points.append(self.first_instant(anchor + k * shift))
            k += 1
        return start, points

    def allowed(self, r: RotationSpec, t: datetime) -> bool:
        if r.weekdays is None and r.hours is None:
            return True
        today = self.wall(t).date()
        for d in (today + timedelta(days=n) for n in range(-2, 3)):
            if r.weekdays is not None and not (r.weekdays >> d.weekday()) & 1:
                continue
            lo, hi = r.hours or (time(0), time(0))
            end_day: date = d if hi > lo else d + timedelta(days=1)
            if (
                self.first_instant(datetime.combine(d, lo))
                <= t
                < self.first_instant(datetime.combine(end_day, hi))
            ):
                return True
        return False

    def chain(self, t: datetime) -> list[tuple[int, int]]:
        """(layer, volunteer number) in order at instant t."""
        layers: dict[int, list[int]] = {}
        for r, (start, points) in zip(self.s.rotations, self.turns, strict=True):
            end = None if r.length is None else start + r.length * MINUTE
            if t < start or (end is not None and t >= end) or not self.allowed(r, t):
                continue
            turn = bisect.bisect_right(points, t) - 1
            layers.setdefault(r.layer, []).append(r.members[turn % len(r.members)])
        for o in self.s.overrides:  # later overrides were created later: last one wins
            if self.s.at(o.start) <= t < self.s.at(o.start + o.length):
                layers[o.layer] = [o.number]
        away = set(self.s.inactive) | {
            w.number
            for w in self.s.leaves
            if self.s.at(w.start) <= t < self.s.at(w.start + w.length)
        }
        chain: list[tuple[int, int]] = []
        for layer in sorted(layers):
            for number in layers[layer]:
                if number not in away and number not in [n for _, n in chain]:
                    chain.append((layer, number))
        return chain


def restriction(r: RotationSpec) -> Restriction:
    return Restriction(r.weekdays, *(r.hours or (None, None)))


def pure_chain(s: Scenario, t: datetime) -> list[tuple[int, int]]:
    """hotline.rota's own arithmetic and resolve(), without the database."""
    turns = []
    for index, r in enumerate(s.rotations):
        start = s.at(r.start)
        cadence = Cadence.build(
            starts_at=start,
            ends_at=None if r.length is None else start + r.length * MINUTE,
            handoff=r.handoff,
            shift_hours=r.shift_hours,
            timezone=s.timezone,
            restriction=restriction(r),
        )
        turn = cadence.turn_at(t)
        if turn is not None:
            turns.append(Duty(r.layer, r.members[turn % len(r.members)], rotation_id=index + 1))
    overrides = [
        Duty(o.layer, o.number, override_id=i + 1)
        for i, o in enumerate(s.overrides)
        if s.at(o.start) <= t < s.at(o.start + o.length)
    ]
    away = set(s.inactive) | {
        w.number for w in s.leaves if s.at(w.start) <= t < s.at(w.start + w.length)
    }
    return [(d.layer, d.volunteer_id) for d in resolve(turns, overrides, away)]


@hypothesis_settings(max_examples=300, deadline=None)
@given(scenarios, st.lists(st.integers(0, int(SPAN / MINUTE) - 1), min_size=1, max_size=40))
def test_rota_arithmetic_equals_the_brute_force_reference(
    scenario: Scenario, minutes: list[int]
) -> None:
    reference = Reference(scenario)
    # Random minutes, every handoff in the span and the minute before it, and every five
    # minutes around a change of the clocks (where a reading happens twice or never).
    instants = {scenario.at(m) for m in minutes}
    end = scenario.start + SPAN
    for _, points in reference.turns:
        for point in points:
            if scenario.start < point < end:
                instants.update({point, point - MINUTE})
    for change in reference.clock_changes():
        instants.update(change + n * 5 * MINUTE for n in range(-24, 25))
    for t in sorted(instants):
        assert pure_chain(scenario, t) == reference.chain(t), t


@pytest.fixture
def pool(session: Session) -> list[Volunteer]:
    return VolunteerFactory.create_batch(VOLUNTEERS)


def store(session: Session, s: Scenario, pool: list[Volunteer]) -> None:
    """Replace whatever the last example stored by this scenario's rows."""
    for model in (RotationMember, Rotation, Override, Leave):
        session.execute(delete(model))
    session.execute(update(Volunteer).values(active=True))
    for number in s.inactive:
        pool[number].active = False
    for r in s.rotations:
        start = s.at(r.start)
        rota.create_rotation(
            session,
            name="r",
            member_ids=[pool[n].id for n in r.members],
            starts_at=start,
            ends_at=None if r.length is None else start + r.length * MINUTE,
            layer=r.layer,
            shift_hours=r.shift_hours,
            handoff_time=r.handoff,
            timezone=s.timezone,
            weekdays=r.weekdays,
            hours=r.hours,
        )
    for o in s.overrides:
        # One flush each: ids follow creation order, and the latest override wins.
        session.add(Override(volunteer_id=pool[o.number].id, layer=o.layer, **span(s, o)))
        session.flush()
    session.add_all(Leave(volunteer_id=pool[w.number].id, **span(s, w)) for w in s.leaves)
    session.flush()


def span(s: Scenario, w: Window) -> dict[str, datetime]:
    return {"starts_at": s.at(w.start), "ends_at": s.at(w.start + w.length)}


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(scenarios, st.lists(st.integers(0, int(SPAN / MINUTE) - 1), min_size=5, max_size=15))
def test_on_duty_matches_the_reference_without_duplicates_honouring_overrides(
    session: Session, pool: list[Volunteer], scenario: Scenario, minutes: list[int]
) -> None:
    store(session, scenario, pool)
    reference = Reference(scenario)
    number = {v.id: i for i, v in enumerate(pool)}
    windows = rota.shifts_between(session, scenario.start, scenario.start + SPAN)
    for t in sorted({scenario.at(m) for m in minutes}):
        chain = rota.on_duty(session, t)
        got = [(d.layer, number[d.volunteer_id]) for d in chain if d.volunteer_id]
        assert got == reference.chain(t), t
        assert len({d.volunteer_id for d in chain}) == len(chain)
        # shifts_between tells the same story as on_duty.
        assert sorted(
            (w.layer, number[w.volunteer_id]) for w in windows if w.starts_at <= t < w.ends_at
        ) == sorted(got)
        # The latest override of each layer holds it, unless its volunteer is away or higher up.
        latest: dict[int, Window] = {}
        for o in scenario.overrides:
            if scenario.at(o.start) <= t < scenario.at(o.start + o.length):
                latest[o.layer] = o
        away = set(scenario.inactive) | {
            w.number
            for w in scenario.leaves
            if scenario.at(w.start) <= t < scenario.at(w.start + w.length)
        }
        for layer, o in latest.items():
            if o.number not in away:
                assert any(n == o.number and lay <= layer for lay, n in got)
            assert all(n == o.number for lay, n in got if lay == layer)
