"""Wall-clock arithmetic: handoffs, DST, restrictions (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.rota.cadence import Cadence, Restriction, first_instant, wall, weekday_mask

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def daily(start: str, *, hours: int = 24, tz: str = "Asia/Shanghai", **kw: object) -> Cadence:
    return Cadence.build(
        starts_at=at(start),
        ends_at=None,
        handoff=time(8, 0),
        shift_hours=hours,
        timezone=tz,
        restriction=Restriction(**kw),  # type: ignore[arg-type]
    )


def test_first_instant_of_an_ordinary_reading_is_its_instant() -> None:
    assert first_instant(datetime(2026, 12, 1, 8), SHANGHAI) == at("2026-12-01T00:00:00+00:00")


def test_first_instant_in_a_spring_forward_gap_is_the_jump() -> None:
    # 2026-03-08 02:00 EST the clocks jump to 03:00 EDT (07:00 UTC); 02:30 never happens.
    assert first_instant(datetime(2026, 3, 8, 2, 30), NEW_YORK) == at("2026-03-08T07:00:00+00:00")


def test_first_instant_of_a_repeated_reading_is_its_first_occurrence() -> None:
    # 2026-11-01 01:30 happens twice in New York; first at 05:30 UTC (EDT).
    assert first_instant(datetime(2026, 11, 1, 1, 30), NEW_YORK) == at("2026-11-01T05:30:00+00:00")


@pytest.mark.parametrize(
    ("instant", "turn"),
    [
        ("2026-12-01T08:00:00+08:00", 0),
        ("2026-12-02T07:59:59+08:00", 0),
        ("2026-12-02T08:00:00+08:00", 1),
        ("2026-12-05T12:00:00+08:00", 4),
    ],
)
def test_turns_hand_off_exactly_at_the_handoff_time(instant: str, turn: int) -> None:
    assert daily("2026-12-01T08:00:00+08:00").turn_at(at(instant)) == turn


def test_first_member_is_on_at_a_start_between_handoffs() -> None:
    cadence = daily("2026-12-01T15:00:00+08:00")
    assert cadence.turn_at(at("2026-12-01T14:59:00+08:00")) is None
    assert cadence.turn_at(at("2026-12-01T15:00:00+08:00")) == 0
    assert cadence.turn_at(at("2026-12-02T08:00:00+08:00")) == 1


def test_handoff_stays_at_local_time_across_daylight_saving() -> None:
    cadence = daily("2026-03-06T08:00:00-05:00", tz="America/New_York")
    handoffs = [cadence.handoff(k) for k in range(4)]
    assert [h.astimezone(NEW_YORK).hour for h in handoffs] == [8, 8, 8, 8]
    # The day the clocks spring forward lasts 23 hours (handoffs are UTC instants).
    assert handoffs[2] - handoffs[1] == timedelta(hours=23)


def test_turns_between_covers_the_window_without_overlap() -> None:
    cadence = daily("2026-12-01T08:00:00+08:00", hours=12)
    turns = list(
        cadence.turns_between(at("2026-12-01T10:00:00+08:00"), at("2026-12-02T10:00:00+08:00"))
    )
    assert [(k, wall(a, SHANGHAI).hour, wall(b, SHANGHAI).hour) for k, a, b in turns] == [
        (0, 10, 20),
        (1, 20, 8),
        (2, 8, 10),
    ]


def test_nights_only_restriction_in_local_time() -> None:
    cadence = daily("2026-12-01T08:00:00+08:00", hours_from=time(20, 0), hours_to=time(8, 0))
    assert cadence.turn_at(at("2026-12-01T19:59:00+08:00")) is None
    assert cadence.turn_at(at("2026-12-01T20:00:00+08:00")) == 0
    assert cadence.turn_at(at("2026-12-02T07:59:00+08:00")) == 0
    assert cadence.turn_at(at("2026-12-02T08:00:00+08:00")) is None


def test_a_night_belongs_to_the_weekday_it_starts_on() -> None:
    # Fridays only, 20:00-08:00: Friday night runs into Saturday morning; Thursday night is off.
    nights = Restriction(weekdays=weekday_mask([4]), hours_from=time(20), hours_to=time(8))
    assert nights.allows(at("2026-12-05T07:00:00+08:00"), SHANGHAI)  # Saturday 07:00
    assert not nights.allows(at("2026-12-04T07:00:00+08:00"), SHANGHAI)  # Friday 07:00
    assert nights.allows(at("2026-12-04T21:00:00+08:00"), SHANGHAI)


def test_restriction_windows_are_merged_and_clipped() -> None:
    weekend = Restriction(weekdays=weekday_mask([5, 6]))
    windows = list(
        weekend.windows(at("2026-12-01T00:00:00+08:00"), at("2026-12-14T00:00:00+08:00"), SHANGHAI)
    )
    assert windows == [
        (at("2026-12-05T00:00:00+08:00"), at("2026-12-07T00:00:00+08:00")),
        (at("2026-12-12T00:00:00+08:00"), at("2026-12-14T00:00:00+08:00")),
    ]


def test_turns_keep_counting_outside_the_restriction() -> None:
    cadence = daily("2026-12-01T08:00:00+08:00", weekdays=weekday_mask([0, 1, 2, 3, 4]))
    # Monday 2026-12-07 is turn 6 although the weekend's turns were not on duty.
    assert cadence.turn_at(at("2026-12-05T12:00:00+08:00")) is None
    assert cadence.turn_at(at("2026-12-07T12:00:00+08:00")) == 6


def test_weekday_mask_rejects_unknown_days() -> None:
    with pytest.raises(ValueError, match="weekday 7"):
        weekday_mask([7])
