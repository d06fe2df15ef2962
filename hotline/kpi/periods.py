"""Periods the KPI is measured over: a month, a quarter, a year or chosen days, in local time,
with the period before it and the parts its chart is drawn in."""

from __future__ import annotations

import enum
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.refusal import N_, Refused


class PeriodError(Refused):
    """A period the KPI cannot be measured over."""


class PeriodKind(enum.StrEnum):
    """How a period was chosen; the chart's parts and the period before follow from it."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


# Chosen days span at most this many (three years); longer ones are refused at the edge.
MAX_DAYS = 1096
# Chosen days up to this many are drawn week by week, longer ones month by month.
WEEKLY_UP_TO_DAYS = 62
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


@dataclass(frozen=True)
class Period:
    """Local calendar days `first` to `last`, both included."""

    kind: PeriodKind
    first: date
    last: date

    @property
    def days(self) -> int:
        """How many days the period spans."""
        return (self.last - self.first).days + 1

    def start(self, timezone: str) -> datetime:
        """The instant the period begins (local midnight of its first day), in UTC."""
        return local_midnight(self.first, timezone)

    def end(self, timezone: str) -> datetime:
        """The instant right after the period (local midnight after its last day), in UTC."""
        return local_midnight(self.last + timedelta(days=1), timezone)

    def previous(self) -> Period:
        """The period before, of the same length: the month, quarter or year before, or as
        many days just before chosen days."""
        if self.kind is PeriodKind.CUSTOM:
            return Period(
                self.kind, self.first - timedelta(days=self.days), self.first - timedelta(days=1)
            )
        return period_of(self.kind, self.first - timedelta(days=1))

    def following(self) -> Period:
        """The period after, of the same length."""
        if self.kind is PeriodKind.CUSTOM:
            return Period(
                self.kind, self.last + timedelta(days=1), self.last + timedelta(days=self.days)
            )
        return period_of(self.kind, self.last + timedelta(days=1))

    def parts(self) -> list[Period]:
        """The chart's parts: weeks (7 days from the first, the last one shorter) of a month
        or of up to 62 chosen days; calendar months (clipped to the period) otherwise."""
        parts = []
        if self.kind is PeriodKind.MONTH or (
            self.kind is PeriodKind.CUSTOM and self.days <= WEEKLY_UP_TO_DAYS
        ):
            first = self.first
            while first <= self.last:
                last = min(first + timedelta(days=6), self.last)
                parts.append(Period(PeriodKind.CUSTOM, first, last))
                first = last + timedelta(days=1)
            return parts
        first = self.first
        while first <= self.last:
            last = min(_month_end(first), self.last)
            parts.append(
                Period(
                    PeriodKind.MONTH
                    if first.day == 1 and last == _month_end(first)
                    else PeriodKind.CUSTOM,
                    first,
                    last,
                )
            )
            first = last + timedelta(days=1)
        return parts


def local_midnight(day: date, timezone: str) -> datetime:
    """The instant a local calendar day begins, in UTC."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def period_of(kind: PeriodKind, day: date) -> Period:
    """The month, quarter or year containing `day` (a custom period needs both ends)."""
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise PeriodError(
            N_("choose a year from %(first)s to %(last)s"), first=EARLIEST_YEAR, last=LATEST_YEAR
        )
    if kind is PeriodKind.MONTH:
        return Period(kind, _month_start(day), _month_end(day))
    if kind is PeriodKind.QUARTER:
        first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, first, _add_months(first, 3) - timedelta(days=1))
    if kind is PeriodKind.YEAR:
        return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31))
    return Period(kind, day, day)


def custom(first: date, last: date) -> Period:
    """Chosen days, `first` to `last` included; refused if reversed or longer than 3 years."""
    if last < first:
        raise PeriodError(N_("the period ends before it starts"))
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError(N_("choose at most %(days)s days"), days=MAX_DAYS)
    for day in (first, last):
        period_of(PeriodKind.CUSTOM, day)  # the year range
    return Period(PeriodKind.CUSTOM, first, last)
