"""KPI arithmetic against a hand-computed November (Beijing time, read on 12-02 at noon):

    A 11-02 10:00 resolved after 24 h          east, 王师傅, rated 5   met
    B 11-05 08:00 resolved after 96 h          east, 王师傅            missed
    C 11-10 09:00 still open                   west                    missed (ran out 11-13)
    D 11-28 12:00 resolved 12-01 11:00 (71 h)  west                    met (after the period)
    E 11-30 20:00 still open                   west                    pending (runs out 12-03)
    F 11-12 09:00 closed unresolved                                    excluded
    G 11-15 08:00 resolved, reopened, resolved 11-19 08:00 (96 h), rated 2   missed
    H 11-20 08:00 resolved after exactly 72 h                          met
    I 11-21 08:00 resolved after 24 h, then closed, rated 4            met
    P1 10-10 resolved after 24 h, P2 10-31 23:30 still open: October, 1 met and 1 missed
    K 12-02 08:00 still open: December

November: 4 met, 3 missed, 1 pending, 1 excluded; share 4/7; resolution hours 24, 24, 71,
72, 96, 96: median 71.5, mean 383/6; satisfaction (5 + 2 + 4) / 3. October: 50%, median 24 h.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from hotline import kpi
from hotline.kpi import Age, PeriodKind, Tally
from tests.kpi.conftest import NOW, at, november

NOV = kpi.period_of(PeriodKind.MONTH, date(2026, 11, 17))


def measure(session: Session, period: kpi.Period = NOV, **overrides: object) -> kpi.Report:
    values: dict[str, object] = {
        "now": NOW,
        "timezone": "Asia/Shanghai",
        "promise_days": 3,
        "target": 90.0,
    }
    values.update(overrides)
    return kpi.report(session, period, **values)  # type: ignore[arg-type]


def test_the_hand_computed_november(any_session: Session) -> None:
    november(any_session)
    report = measure(any_session)

    total = report.total
    assert (total.met, total.missed, total.pending, total.excluded) == (4, 3, 1, 1)
    assert total.tickets == 8 and total.decided == 7
    assert total.share == pytest.approx(400 / 7)
    assert report.meets_target is False
    assert report.median_hours == pytest.approx(71.5)
    assert total.mean_hours == pytest.approx(383 / 6)
    assert (total.rated, total.satisfaction) == (3, pytest.approx(11 / 3))


def test_the_trend_is_against_october(any_session: Session) -> None:
    november(any_session)
    report = measure(any_session)
    assert report.previous_period == kpi.Period(
        PeriodKind.MONTH, date(2026, 10, 1), date(2026, 10, 31)
    )
    assert (report.previous.met, report.previous.missed) == (1, 1)
    assert report.previous.share == pytest.approx(50.0)
    assert report.previous_median_hours == pytest.approx(24.0)
    assert report.share_change == pytest.approx(400 / 7 - 50)


def test_weeks_of_the_month(any_session: Session) -> None:
    november(any_session)
    parts = measure(any_session).parts
    assert [(p.period.first.day, p.period.last.day) for p in parts] == [
        (1, 7),
        (8, 14),
        (15, 21),
        (22, 28),
        (29, 30),
    ]
    assert [(p.tally.met, p.tally.missed, p.tally.pending, p.tally.excluded) for p in parts] == [
        (1, 1, 0, 0),  # A, B
        (0, 1, 0, 1),  # C; F excluded
        (2, 1, 0, 0),  # H, I; G
        (1, 0, 0, 0),  # D
        (0, 0, 1, 0),  # E
    ]
    assert [p.tally.share for p in parts] == [50.0, 0.0, pytest.approx(200 / 3), 100.0, None]


def test_breakdowns_per_community_and_technician(any_session: Session) -> None:
    example = november(any_session)
    report = measure(any_session)
    rows = {row.name: row.tally for row in report.communities}
    assert rows["东湖社区"] == Tally(
        met=1, missed=1, resolved=2, resolution_seconds=120 * 3600, rated=1, satisfaction_sum=5
    )
    assert (rows["西山社区"].met, rows["西山社区"].missed, rows["西山社区"].pending) == (1, 1, 1)
    assert report.communities[-1].id is None  # no community: F, G, H, I
    assert report.communities[-1].tally.tickets == 3
    (fixer, nobody) = report.technicians
    assert (fixer.id, fixer.name, fixer.tally.share) == (example.fixer.id, "王师傅", 50.0)
    assert nobody.id is None and nobody.tally.decided == 5
    assert sum((row.tally for row in report.categories), Tally()) == report.total


def test_backlog_by_age_now(any_session: Session) -> None:
    november(any_session)
    assert measure(any_session).backlog == [
        (Age.UNDER_1_DAY, 1),  # K
        (Age.DAYS_1_TO_3, 1),  # E
        (Age.DAYS_3_TO_7, 0),
        (Age.OVER_7_DAYS, 2),  # C, P2
    ]


def test_a_pending_ticket_is_decided_once_its_promise_runs_out(any_session: Session) -> None:
    november(any_session)
    later = measure(any_session, now=at("12-03 20:01"))
    assert (later.total.met, later.total.missed, later.total.pending) == (4, 4, 0)


def test_a_longer_promise_is_a_setting(any_session: Session) -> None:
    november(any_session)
    report = measure(any_session, promise_days=4)  # 96 h: B and G now met
    assert (report.total.met, report.total.missed, report.total.pending) == (6, 1, 1)


def test_a_year_is_drawn_month_by_month_and_compared_with_the_year_before(
    any_session: Session,
) -> None:
    november(any_session)
    report = measure(any_session, kpi.period_of(PeriodKind.YEAR, date(2026, 3, 1)))
    assert len(report.parts) == 12
    assert [p.tally.decided for p in report.parts][9:] == [2, 7, 0]
    assert report.total.decided == 9 and report.previous.tickets == 0
    assert report.share_change is None


def test_an_empty_period_has_no_share(session: Session) -> None:
    report = measure(session)
    assert report.total == Tally() and report.total.share is None
    assert report.median_hours is None and report.meets_target is None
    assert report.communities == []
