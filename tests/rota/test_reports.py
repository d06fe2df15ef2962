"""shifts_between, the coverage report (gaps, missing backup, conflicts) and fairness."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy.orm import Session

from hotline import rota
from hotline.models import Volunteer
from hotline.rota.chain import ShiftWindow
from hotline.rota.reports import Window, coverage_report, fairness_report
from tests.factories import CallFactory
from tests.helpers import cn
from tests.rota.factories import (
    START,
    LeaveFactory,
    OverrideFactory,
    RotationFactory,
    TeamFactory,
    VolunteerFactory,
)


@pytest.fixture
def people(session: Session) -> list[Volunteer]:
    return VolunteerFactory.create_batch(4)


def spans(windows: list[ShiftWindow]) -> list[tuple[int, int, str, str]]:
    fmt = "%m-%d %H:%M"
    tz = START.tzinfo
    return [
        (
            w.layer,
            w.volunteer_id,
            w.starts_at.astimezone(tz).strftime(fmt),
            w.ends_at.astimezone(tz).strftime(fmt),
        )
        for w in windows
    ]


def test_shifts_between_expands_turns_and_cuts_out_overrides(
    session: Session, people: list[Volunteer]
) -> None:
    a, b, cover = people[:3]
    RotationFactory(members=[a, b], shift_hours=12)
    override = OverrideFactory(
        volunteer=cover, starts_at=cn("12-01 10:00"), ends_at=cn("12-01 11:00")
    )
    windows = rota.shifts_between(session, cn("12-01 08:00"), cn("12-02 08:00"))
    assert spans(windows) == [
        (1, a.id, "12-01 08:00", "12-01 10:00"),
        (1, cover.id, "12-01 10:00", "12-01 11:00"),
        (1, a.id, "12-01 11:00", "12-01 20:00"),
        (1, b.id, "12-01 20:00", "12-02 08:00"),
    ]
    assert windows[1].override_id == override.id and windows[1].rotation_id is None


def test_shifts_between_of_one_volunteer(session: Session, people: list[Volunteer]) -> None:
    a, b = people[:2]
    RotationFactory(members=[a, b])
    windows = rota.shifts_between(session, START, START + timedelta(days=4), volunteer_id=b.id)
    assert spans(windows) == [
        (1, b.id, "12-02 08:00", "12-03 08:00"),
        (1, b.id, "12-04 08:00", "12-05 08:00"),
    ]


def test_shifts_between_agrees_with_on_duty(session: Session, people: list[Volunteer]) -> None:
    a, b, c, d = people
    RotationFactory(members=[a, b], shift_hours=8)
    RotationFactory(layer=2, members=[c, d], hours_from=time(20), hours_to=time(8))
    OverrideFactory(volunteer=d, starts_at=cn("12-01 13:00"), ends_at=cn("12-01 15:30"))
    LeaveFactory(volunteer=b, starts_at=cn("12-01 17:00"), ends_at=cn("12-01 22:00"))
    start, end = START, START + timedelta(days=2)
    windows = rota.shifts_between(session, start, end)
    t = start
    while t < end:
        expected = sorted(
            (w.layer, w.volunteer_id) for w in windows if w.starts_at <= t < w.ends_at
        )
        assert sorted((x.layer, x.volunteer_id) for x in rota.on_duty(session, t)) == expected, t
        t += timedelta(minutes=30)


def test_coverage_finds_gaps_missing_backup_and_leave(
    session: Session, people: list[Volunteer]
) -> None:
    day, night, backup = people[:3]
    RotationFactory(members=[day], hours_from=time(8), hours_to=time(20))
    # Nights are covered from 22:00 only: 20:00-22:00 is a gap every day.
    RotationFactory(members=[night], hours_from=time(22), hours_to=time(8))
    RotationFactory(layer=2, members=[backup], hours_from=time(8), hours_to=time(20))
    LeaveFactory(volunteer=day, starts_at=cn("12-02 12:00"), ends_at=cn("12-02 14:00"))
    report = coverage_report(session, START, 2)
    assert report.gaps == [
        Window(cn("12-01 20:00"), cn("12-01 22:00")),
        Window(cn("12-02 12:00"), cn("12-02 14:00")),  # nobody takes over from `day`
        Window(cn("12-02 20:00"), cn("12-02 22:00")),
    ]
    assert report.no_backup == [
        Window(cn("12-01 22:00"), cn("12-02 08:00")),
        Window(cn("12-02 22:00"), cn("12-03 08:00")),
    ]
    assert [(c.reason, c.window.volunteer_id, c.window.layer) for c in report.conflicts] == [
        ("leave", day.id, 1)
    ]
    assert (report.conflicts[0].window.starts_at, report.conflicts[0].window.ends_at) == (
        cn("12-02 12:00"),
        cn("12-02 14:00"),
    )


def test_inactive_member_is_a_conflict(session: Session, people: list[Volunteer]) -> None:
    a, b = people[:2]
    b.active = False
    RotationFactory(members=[a, b])
    report = coverage_report(session, START, 2)
    assert [(c.reason, c.window.volunteer_id) for c in report.conflicts] == [("inactive", b.id)]
    assert report.gaps == [Window(cn("12-02 08:00"), cn("12-03 08:00"))]


def test_fairness_counts_hours_nights_weekends_and_calls_per_team(session: Session) -> None:
    red, blue = TeamFactory(name="红队"), TeamFactory(name="蓝队")
    a, b = VolunteerFactory(team_id=red.id), VolunteerFactory(team_id=red.id)
    c = VolunteerFactory(team_id=blue.id)
    idle = VolunteerFactory(team_id=blue.id)
    # Daily turns from Tuesday 2026-12-01 08:00: a, b, a, b, a, b, a (Tue..Mon).
    RotationFactory(members=[a, b])
    RotationFactory(layer=2, members=[c, idle], starts_at=cn("12-01 08:00"), shift_hours=168)
    for _ in range(3):
        CallFactory(answered_by_id=a.id, started_at=cn("12-02 10:00"))
    CallFactory(answered_by_id=c.id, started_at=cn("12-02 10:00"))
    CallFactory(answered_by_id=c.id, started_at=cn("12-09 10:00"))  # outside the period
    report = fairness_report(session, START, START + timedelta(days=7))
    loads = {x.volunteer_id: x for x in report.overall.loads}
    assert loads[a.id].hours == 96 and loads[b.id].hours == 72
    assert loads[a.id].primary_hours == 96 and loads[c.id].primary_hours == 0
    assert loads[c.id].hours == 168 and loads[idle.id].hours == 0
    # Every day has 8 night hours (22:00-06:00); a holds 4 of the 7 nights.
    assert loads[a.id].night_hours == 32
    # Saturday 5th and Sunday 6th: b until Sat 08:00 (8 h), a for 24 h, b from Sun 08:00 (16 h).
    assert (loads[a.id].weekend_hours, loads[b.id].weekend_hours) == (24, 24)
    assert (loads[a.id].calls, loads[b.id].calls, loads[c.id].calls) == (3, 0, 1)
    teams = {t.name: t.summary for t in report.teams}
    assert teams["红队"].hours.max == 96 and teams["红队"].hours.min == 72
    assert teams["红队"].hours.stdev == pytest.approx(12.0)
    assert teams["蓝队"].hours.total == 168
    assert report.overall.calls.total == 4
