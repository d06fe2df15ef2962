"""on_duty: layers, handoffs, overrides beating rotations, leave, restrictions, no duplicates."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session

from hotline import rota
from hotline.devtools.demo import seed_demo_rota
from hotline.models import Volunteer
from hotline.rota.cadence import weekday_mask
from tests.helpers import cn
from tests.rota.factories import (
    START,
    LeaveFactory,
    OverrideFactory,
    RotationFactory,
    VolunteerFactory,
)


def ids(session: Session, at: datetime) -> list[tuple[int, int | None]]:
    return [(d.layer, d.volunteer_id) for d in rota.on_duty(session, at)]


@pytest.fixture
def people(session: Session) -> list[Volunteer]:
    return VolunteerFactory.create_batch(6)


def test_chain_lists_layers_in_order_with_name_and_number(
    session: Session, people: list[Volunteer]
) -> None:
    a, b, c = people[:3]
    RotationFactory(layer=2, members=[b])
    RotationFactory(layer=1, members=[a])
    RotationFactory(layer=3, members=[c])
    assert rota.on_duty(session, cn("12-01 09:00")) == [
        rota.OnDuty(a.id, a.name, a.mobile, 1),
        rota.OnDuty(b.id, b.name, b.mobile, 2),
        rota.OnDuty(c.id, c.name, c.mobile, 3),
    ]


@pytest.mark.parametrize(
    ("at", "member"),
    [
        ("12-01 07:59", None),  # before the rotation starts
        ("12-01 08:00", 0),
        ("12-02 07:59", 0),
        ("12-02 08:00", 1),  # the handoff instant belongs to the next turn
        ("12-03 08:00", 2),
        ("12-04 08:00", 0),  # round again
    ],
)
def test_turns_hand_off_at_the_handoff_time(
    session: Session, people: list[Volunteer], at: str, member: int | None
) -> None:
    RotationFactory(members=people[:3])
    expected = [] if member is None else [(1, people[member].id)]
    assert ids(session, cn(at)) == expected


def test_rotation_stops_at_its_end(session: Session, people: list[Volunteer]) -> None:
    RotationFactory(members=people[:2], ends_at=cn("12-03 08:00"))
    assert ids(session, cn("12-03 07:59")) == [(1, people[1].id)]
    assert ids(session, cn("12-03 08:00")) == []


def test_override_beats_the_rotation_for_its_window_only(
    session: Session, people: list[Volunteer]
) -> None:
    a, b, cover = people[:3]
    RotationFactory(members=[a])
    RotationFactory(layer=2, members=[b])
    OverrideFactory(volunteer=cover, starts_at=cn("12-01 10:00"), ends_at=cn("12-01 12:00"))
    assert ids(session, cn("12-01 09:59")) == [(1, a.id), (2, b.id)]
    assert ids(session, cn("12-01 10:00")) == [(1, cover.id), (2, b.id)]
    assert ids(session, cn("12-01 12:00")) == [(1, a.id), (2, b.id)]


def test_latest_override_wins_on_a_layer(session: Session, people: list[Volunteer]) -> None:
    a, first, second = people[:3]
    RotationFactory(members=[a])
    OverrideFactory(volunteer=first, starts_at=cn("12-01 10:00"), ends_at=cn("12-01 14:00"))
    OverrideFactory(volunteer=second, starts_at=cn("12-01 11:00"), ends_at=cn("12-01 12:00"))
    assert ids(session, cn("12-01 10:30")) == [(1, first.id)]
    assert ids(session, cn("12-01 11:30")) == [(1, second.id)]
    assert ids(session, cn("12-01 13:00")) == [(1, first.id)]


def test_override_fills_a_layer_with_no_rotation(session: Session, people: list[Volunteer]) -> None:
    a, extra = people[:2]
    RotationFactory(members=[a])
    OverrideFactory(volunteer=extra, layer=3, starts_at=START, ends_at=cn("12-02 08:00"))
    assert ids(session, cn("12-01 09:00")) == [(1, a.id), (3, extra.id)]


def test_cancelled_override_no_longer_counts(session: Session, people: list[Volunteer]) -> None:
    a, cover = people[:2]
    RotationFactory(members=[a])
    override = OverrideFactory(volunteer=cover)
    rota.cancel_override(session, override.id, cn("11-30 00:00"))
    assert ids(session, cn("12-01 08:30")) == [(1, a.id)]


def test_leave_removes_the_volunteer_and_the_layer_is_not_refilled(
    session: Session, people: list[Volunteer]
) -> None:
    a, b, backup = people[:3]
    RotationFactory(members=[a, b])
    RotationFactory(layer=2, members=[backup])
    LeaveFactory(volunteer=a, starts_at=cn("12-01 12:00"), ends_at=cn("12-01 18:00"))
    assert ids(session, cn("12-01 11:00")) == [(1, a.id), (2, backup.id)]
    # b is not pulled forward: the chain moves on to the backup layer.
    assert ids(session, cn("12-01 13:00")) == [(2, backup.id)]


def test_leave_beats_an_override(session: Session, people: list[Volunteer]) -> None:
    a, cover = people[:2]
    RotationFactory(members=[a])
    OverrideFactory(volunteer=cover, ends_at=cn("12-02 08:00"))
    LeaveFactory(volunteer=cover, starts_at=cn("12-01 12:00"))
    assert ids(session, cn("12-01 09:00")) == [(1, cover.id)]
    assert ids(session, cn("12-01 13:00")) == []


def test_inactive_volunteers_are_left_out(session: Session, people: list[Volunteer]) -> None:
    a, b = people[:2]
    a.active = False
    RotationFactory(members=[a])
    RotationFactory(layer=2, members=[b])
    assert ids(session, cn("12-01 09:00")) == [(2, b.id)]


def test_volunteer_appears_once_on_their_lowest_layer(
    session: Session, people: list[Volunteer]
) -> None:
    a, b = people[:2]
    RotationFactory(members=[a])
    RotationFactory(layer=2, members=[a, b])
    RotationFactory(layer=3, members=[b])
    assert ids(session, cn("12-01 09:00")) == [(1, a.id), (3, b.id)]


def test_two_rotations_on_one_layer_are_ordered_by_creation(
    session: Session, people: list[Volunteer]
) -> None:
    a, b = people[:2]
    RotationFactory(members=[b])
    RotationFactory(members=[a])
    assert ids(session, cn("12-01 09:00")) == [(1, b.id), (1, a.id)]


def test_nights_only_rotation_hands_over_to_the_day_rotation(
    session: Session, people: list[Volunteer]
) -> None:
    day, night = people[:2]
    RotationFactory(members=[day], hours_from=time(8), hours_to=time(20))
    RotationFactory(members=[night], hours_from=time(20), hours_to=time(8))
    assert ids(session, cn("12-01 19:59")) == [(1, day.id)]
    assert ids(session, cn("12-01 20:00")) == [(1, night.id)]
    assert ids(session, cn("12-02 07:59")) == [(1, night.id)]
    assert ids(session, cn("12-02 08:00")) == [(1, day.id)]


def test_weekend_rotation_only_on_weekends(session: Session, people: list[Volunteer]) -> None:
    weekday, weekend = people[:2]
    RotationFactory(members=[weekday], weekdays=weekday_mask([0, 1, 2, 3, 4]))
    RotationFactory(members=[weekend], weekdays=weekday_mask([5, 6]))
    assert ids(session, cn("12-04 23:59")) == [(1, weekday.id)]  # Friday
    assert ids(session, cn("12-05 00:00")) == [(1, weekend.id)]  # Saturday
    assert ids(session, cn("12-07 00:00")) == [(1, weekday.id)]  # Monday


def test_inactive_rotation_is_ignored(session: Session, people: list[Volunteer]) -> None:
    RotationFactory(members=people[:1], active=False)
    assert ids(session, cn("12-01 09:00")) == []


def test_rotation_without_members_puts_nobody_on(session: Session) -> None:
    RotationFactory(members=[])
    assert ids(session, cn("12-01 09:00")) == []


def test_rotation_in_another_time_zone_hands_off_at_its_local_time(
    session: Session, people: list[Volunteer]
) -> None:
    a, b = people[:2]
    RotationFactory(members=[a, b], timezone="Europe/Berlin", starts_at=cn("12-01 15:00"))
    # 08:00 in Berlin (winter, UTC+1) is 15:00 in Beijing.
    assert ids(session, cn("12-02 14:59")) == [(1, a.id)]
    assert ids(session, cn("12-02 15:00")) == [(1, b.id)]


def test_end_rotation_keeps_history(session: Session, people: list[Volunteer]) -> None:
    rotation = RotationFactory(members=people[:1])
    rota.end_rotation(session, rotation.id, cn("12-05 08:00"))
    assert ids(session, cn("12-04 09:00")) == [(1, people[0].id)]
    assert ids(session, cn("12-05 09:00")) == []


def test_create_rotation_validates(session: Session, people: list[Volunteer]) -> None:
    with pytest.raises(rota.RotaError, match="time zone"):
        rota.create_rotation(
            session, name="x", member_ids=[people[0].id], starts_at=START, timezone="Mars/Base"
        )
    with pytest.raises(rota.RotaError, match="end must come after"):
        rota.create_rotation(
            session, name="x", member_ids=[people[0].id], starts_at=START, ends_at=START
        )


def test_override_for_someone_on_leave_is_refused(
    session: Session, people: list[Volunteer]
) -> None:
    LeaveFactory(volunteer=people[0])
    with pytest.raises(rota.RotaError, match="on leave"):
        rota.add_override(
            session,
            volunteer_id=people[0].id,
            starts_at=START + timedelta(hours=2),
            ends_at=START + timedelta(hours=4),
        )


def test_seed_demo_rota_puts_someone_on_both_layers_now(
    session: Session, people: list[Volunteer]
) -> None:
    now = cn("12-03 05:17")
    seed_demo_rota(session, people[:4], now)
    assert [d.layer for d in rota.on_duty(session, now)] == [1, 2]
