"""Wall-clock arithmetic of rotations: turns, handoffs and restrictions in a rotation's time zone.

Pure functions of plain values, no database. Rotations hand off at local wall-clock times (a
08:00 handoff stays at 08:00 across a daylight-saving change, as in PagerDuty and Grafana
OnCall), so every local reading is turned into an instant by `first_instant`, which is
monotonic: turns and restriction windows never overlap or run backwards, even in zones with
DST. Asia/Shanghai has had no DST since 1991, where all of this reduces to a fixed offset.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EVERY_DAY = 0b1111111


def wall(t: datetime, tz: ZoneInfo) -> datetime:
    """The local wall-clock reading of instant `t`, as a naive datetime."""
    return t.astimezone(tz).replace(tzinfo=None)


def first_instant(reading: datetime, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) at which local clocks read `reading` or later.

    A reading that occurs twice (clocks turned back) gives its first occurrence; a reading that
    never occurs (clocks turned forward) gives the moment of the jump.
    """
    instant = reading.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if wall(instant, tz) == reading:
        return instant
    # In a forward gap fold=0 lands after the jump and fold=1 before it: bisect the seconds between.
    lo = int(reading.replace(tzinfo=tz, fold=1).timestamp())
    hi = int(instant.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if wall(datetime.fromtimestamp(mid, UTC), tz) >= reading:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def weekday_mask(days: list[int]) -> int:
    """A weekday bit mask (bit 0 = Monday) from weekday numbers 0..6."""
    mask = 0
    for day in days:
        if not 0 <= day <= 6:
            raise ValueError(f"weekday {day} is not 0 (Monday) .. 6 (Sunday)")
        mask |= 1 << day
    return mask


@dataclass(frozen=True)
class Restriction:
    """The local weekdays and hours of the day a rotation applies (nights only, weekends...).

    The window of a day starts on that day: 20:00-08:00 on Friday covers Friday 20:00 to
    Saturday 08:00. Without hours a window is the whole local day.
    """

    weekdays: int | None = None  # bit 0 = Monday ... bit 6 = Sunday; None = every day
    hours_from: time | None = None
    hours_to: time | None = None  # <= hours_from wraps past midnight; equal means 24 hours

    @property
    def unrestricted(self) -> bool:
        """True when the rotation applies at all times."""
        return (self.weekdays is None or self.weekdays == EVERY_DAY) and self.hours_from is None

    def day_window(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
        """The window starting on local `day`, or None when the day is excluded."""
        if self.weekdays is not None and not (self.weekdays >> day.weekday()) & 1:
            return None
        begin = self.hours_from or time(0)
        end = self.hours_to or time(0)
        end_day = day if end > begin else day + timedelta(days=1)
        return (
            first_instant(datetime.combine(day, begin), tz),
            first_instant(datetime.combine(end_day, end), tz),
        )

    def allows(self, t: datetime, tz: ZoneInfo) -> bool:
        """True when instant `t` lies in one of the windows."""
        if self.unrestricted:
            return True
        today = wall(t, tz).date()
        # Yesterday's window may run past midnight; tomorrow's may start early when a
        # transition at midnight turns the clocks back.
        for offset in (-1, 0, 1):
            window = self.day_window(today + timedelta(days=offset), tz)
            if window is not None and window[0] <= t < window[1]:
                return True
        return False

    def windows(
        self, start: datetime, end: datetime, tz: ZoneInfo
    ) -> Iterator[tuple[datetime, datetime]]:
        """The windows within [start, end), clipped, touching ones merged, in order."""
        if self.unrestricted:
            yield start, end
            return
        day = wall(start, tz).date() - timedelta(days=1)
        last = wall(end, tz).date() + timedelta(days=1)
        pending: tuple[datetime, datetime] | None = None
        while day <= last:
            window = self.day_window(day, tz)
            day += timedelta(days=1)
            if window is None:
                continue
            begin, finish = max(window[0], start), min(window[1], end)
            if begin >= finish:
                continue
            if pending is not None and begin <= pending[1]:
                pending = (pending[0], max(pending[1], finish))
                continue
            if pending is not None:
                yield pending
            pending = (begin, finish)
        if pending is not None:
            yield pending


@dataclass(frozen=True)
class Cadence:
    """When a rotation's turns hand off: every `length` of local wall time from `anchor`.

    Turn 0 is the one running at `starts_at`; its member is the rotation's first. Turns keep
    counting outside the restriction (PagerDuty's rule), so restricting a rotation to nights
    does not change whose turn a night is.
    """

    tz: ZoneInfo
    anchor: datetime  # naive local reading of the handoff that starts turn 0
    length: timedelta
    starts_at: datetime
    ends_at: datetime | None
    restriction: Restriction

    @classmethod
    def build(
        cls,
        *,
        starts_at: datetime,
        ends_at: datetime | None,
        handoff: time,
        shift_hours: int,
        timezone: str,
        restriction: Restriction,
    ) -> Cadence:
        """The cadence of a rotation from its stored fields."""
        if shift_hours < 1:
            raise ValueError("a shift lasts at least one hour")
        tz = ZoneInfo(timezone)
        length = timedelta(hours=shift_hours)
        begin = wall(starts_at, tz)
        anchor = datetime.combine(begin.date(), handoff)
        # The latest handoff at or before the start, so the first member is on duty at once.
        anchor += ((begin - anchor) // length) * length
        return cls(
            tz,
            anchor,
            length,
            starts_at.astimezone(UTC),
            ends_at.astimezone(UTC) if ends_at else None,
            restriction,
        )

    def handoff(self, turn: int) -> datetime:
        """The instant turn number `turn` begins."""
        return first_instant(self.anchor + turn * self.length, self.tz)

    def turn(self, t: datetime) -> int:
        """The turn running at `t`, ignoring the rotation's dates and restriction."""
        # t reads at least the reading of this turn's handoff, so that handoff is not after t;
        # but after clocks went back, later handoffs may already have happened too.
        turn = (wall(t, self.tz) - self.anchor) // self.length
        while self.handoff(turn + 1) <= t:
            turn += 1
        return turn

    def turn_at(self, t: datetime) -> int | None:
        """The turn on duty at `t`, or None outside the rotation's dates or restriction."""
        if t < self.starts_at or (self.ends_at is not None and t >= self.ends_at):
            return None
        if not self.restriction.allows(t, self.tz):
            return None
        return self.turn(t)

    def turns_between(
        self, start: datetime, end: datetime
    ) -> Iterator[tuple[int, datetime, datetime]]:
        """(turn, from, to) for every stretch of duty within [start, end), in order."""
        lo = max(start, self.starts_at)
        hi = end if self.ends_at is None else min(end, self.ends_at)
        if lo >= hi:
            return
        for begin, finish in self.restriction.windows(lo, hi, self.tz):
            turn = self.turn(begin)
            cursor = begin
            while cursor < finish:
                upto = min(self.handoff(turn + 1), finish)
                if cursor < upto:
                    yield turn, cursor, upto
                    cursor = upto
                turn += 1
