"""Periods: months, quarters, years and chosen days; the period before; the chart's parts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hotline.kpi import Period, PeriodError, PeriodKind, custom, period_of


@pytest.mark.parametrize(
    ("kind", "day", "first", "last", "previous_first", "previous_last"),
    [
        (
            PeriodKind.MONTH,
            date(2026, 1, 15),
            date(2026, 1, 1),
            date(2026, 1, 31),
            date(2025, 12, 1),
            date(2025, 12, 31),
        ),
        (
            PeriodKind.MONTH,
            date(2028, 3, 1),
            date(2028, 3, 1),
            date(2028, 3, 31),
            date(2028, 2, 1),
            date(2028, 2, 29),
        ),
        (
            PeriodKind.QUARTER,
            date(2026, 11, 5),
            date(2026, 10, 1),
            date(2026, 12, 31),
            date(2026, 7, 1),
            date(2026, 9, 30),
        ),
        (
            PeriodKind.YEAR,
            date(2026, 6, 1),
            date(2026, 1, 1),
            date(2026, 12, 31),
            date(2025, 1, 1),
            date(2025, 12, 31),
        ),
    ],
)
def test_calendar_periods_and_the_one_before(
    kind: PeriodKind, day: date, first: date, last: date, previous_first: date, previous_last: date
) -> None:
    period = period_of(kind, day)
    assert (period.first, period.last) == (first, last)
    assert (period.previous().first, period.previous().last) == (previous_first, previous_last)
    assert period.previous().following() == period


def test_chosen_days_are_compared_with_as_many_days_before() -> None:
    period = custom(date(2026, 11, 10), date(2026, 11, 19))
    assert period.days == 10
    assert period.previous() == Period(PeriodKind.CUSTOM, date(2026, 10, 31), date(2026, 11, 9))


def test_periods_begin_at_local_midnight() -> None:
    period = period_of(PeriodKind.MONTH, date(2026, 11, 1))
    assert period.start("Asia/Shanghai") == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert period.end("Asia/Shanghai") == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def test_parts_are_weeks_of_short_periods_and_months_of_long_ones() -> None:
    assert [p.days for p in period_of(PeriodKind.MONTH, date(2026, 2, 1)).parts()] == [7, 7, 7, 7]
    assert [p.first.month for p in period_of(PeriodKind.QUARTER, date(2026, 2, 1)).parts()] == [
        1,
        2,
        3,
    ]
    year = period_of(PeriodKind.YEAR, date(2026, 2, 1)).parts()
    assert [(p.first.month, p.first.day, p.last.day) for p in year][:2] == [(1, 1, 31), (2, 1, 28)]
    long = custom(date(2026, 1, 20), date(2026, 4, 10)).parts()
    assert [(p.first, p.last) for p in long][::3] == [
        (date(2026, 1, 20), date(2026, 1, 31)),
        (date(2026, 4, 1), date(2026, 4, 10)),
    ]
    assert [p.days for p in custom(date(2026, 1, 1), date(2026, 1, 10)).parts()] == [7, 3]


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (date(2026, 2, 1), date(2026, 1, 1), "the period ends before it starts"),
        (date(2020, 1, 1), date(2026, 1, 1), "choose at most %(days)s days"),
        (date(1999, 12, 1), date(1999, 12, 31), "choose a year from %(first)s to %(last)s"),
    ],
)
def test_impossible_periods_are_refused(first: date, last: date, message: str) -> None:
    with pytest.raises(PeriodError) as refused:
        custom(first, last)
    assert refused.value.message == message
