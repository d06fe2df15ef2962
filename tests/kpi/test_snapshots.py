"""Stored KPI reports (hotline.kpi.snapshots): the beat job stores each month's, quarter's and
year's report; the page reads it while fresh (for good once the period is final: its end plus
the promise), else counts live. The hand-computed November of test_metrics, read on 12-02."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import kpi
from hotline.kpi import PeriodKind, snapshots
from hotline.models import KpiSnapshot, TicketStatus
from tests.helpers import cn
from tests.kpi.conftest import NOW, november

NOV = kpi.period_of(PeriodKind.MONTH, date(2026, 11, 17))
OCT = kpi.period_of(PeriodKind.MONTH, date(2026, 10, 17))
SETTINGS: dict[str, object] = {"timezone": "Asia/Shanghai", "promise_days": 3, "target": 90.0}


def live(session: Session, period: kpi.Period, now: object = NOW) -> kpi.Report:
    return kpi.report(session, period, now=now, **SETTINGS)  # type: ignore[arg-type]


def stored(session: Session, period: kpi.Period, now: object = NOW) -> kpi.Report:
    return kpi.stored_report(session, period, now=now, **SETTINGS)  # type: ignore[arg-type]


def refresh(session: Session, now: object = NOW) -> int:
    return kpi.refresh(session, now=now, **SETTINGS)  # type: ignore[arg-type]


def stored_periods(session: Session) -> set[tuple[str, date, date]]:
    return set(session.execute(select(KpiSnapshot.kind, KpiSnapshot.first, KpiSnapshot.last)))


def test_refresh_stores_every_month_quarter_and_year_since_the_first_ticket(
    any_session: Session,
) -> None:
    november(any_session)  # October to December 2026
    assert refresh(any_session) == 3 + 1 + 1
    assert stored_periods(any_session) == {
        ("month", date(2026, 10, 1), date(2026, 10, 31)),
        ("month", date(2026, 11, 1), date(2026, 11, 30)),
        ("month", date(2026, 12, 1), date(2026, 12, 31)),
        ("quarter", date(2026, 10, 1), date(2026, 12, 31)),
        ("year", date(2026, 1, 1), date(2026, 12, 31)),
    }


def test_a_stored_report_is_the_live_one_as_of_its_time(any_session: Session) -> None:
    november(any_session)
    refresh(any_session)
    later = NOW + timedelta(minutes=5)
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR):
        period = kpi.period_of(kind, date(2026, 11, 17))
        report = stored(any_session, period, now=later)
        assert report.as_of == NOW  # the page's "as of" is the snapshot's time
        assert report == replace(live(any_session, period), as_of=NOW)
    # The hand-computed figures come back from the stored JSON.
    report = stored(any_session, NOV, now=later)
    assert (report.total.met, report.total.missed, report.total.pending) == (4, 3, 1)
    assert report.median_hours == 71.5 and report.previous_median_hours == 24.0
    assert [row.name for row in report.communities] == ["东湖社区", "西山社区", ""]  # F: none


def test_the_backlog_is_always_counted_now(any_session: Session) -> None:
    fixture = november(any_session)
    refresh(any_session)
    fixture.tickets["C"].status = TicketStatus.RESOLVED
    fixture.tickets["C"].resolved_at = cn("12-02 12:01")
    any_session.flush()
    later = NOW + timedelta(minutes=5)
    assert stored(any_session, NOV, now=later).backlog == live(any_session, NOV, later).backlog
    assert stored(any_session, NOV, now=later).total.missed == 3  # the snapshot's count


def test_a_period_not_yet_final_is_counted_live_once_its_snapshot_is_stale(
    any_session: Session,
) -> None:
    fixture = november(any_session)
    refresh(any_session)
    fixture.tickets["E"].status = TicketStatus.RESOLVED
    fixture.tickets["E"].resolved_at = cn("12-02 12:30")  # within its promise: met
    any_session.flush()
    fresh = NOW + snapshots.MAX_AGE
    assert stored(any_session, NOV, now=fresh).total.met == 4  # still the snapshot
    stale = fresh + timedelta(seconds=1)
    report = stored(any_session, NOV, now=stale)
    assert report.total.met == 5 and report.as_of == stale  # November ends its promise 12-03
    # The job recomputes it; a final month (October) is kept.
    assert refresh(any_session, now=stale) == 3 + 1 + 1 - 1
    assert stored(any_session, NOV, now=stale + timedelta(minutes=1)).as_of == stale


def test_a_final_period_is_kept_for_good(any_session: Session) -> None:
    november(any_session)
    refresh(any_session)
    much_later = NOW + timedelta(days=400)
    # October ended 10-31; its promise ran out 11-03, before the snapshot: final.
    assert stored(any_session, OCT, now=much_later).as_of == NOW
    # November's snapshot was taken before 12-03: counted live once it is stale.
    assert stored(any_session, NOV, now=much_later).as_of == much_later


def test_chosen_days_are_never_stored(any_session: Session) -> None:
    november(any_session)
    refresh(any_session)
    days = kpi.custom(date(2026, 11, 1), date(2026, 11, 30))
    report = stored(any_session, days, now=NOW + timedelta(minutes=1))
    assert report.as_of == NOW + timedelta(minutes=1)
    assert ("custom", days.first, days.last) not in stored_periods(any_session)


def test_nothing_to_store_without_tickets(session: Session) -> None:
    assert refresh(session) == 0
    assert stored_periods(session) == set()
