"""Swap flow: offer, take, approve or reject, cancel; the result is an override."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import rota
from hotline.models import Override, SwapStatus, User, Volunteer
from hotline.rota.swaps import (
    approve_swap,
    cancel_swap,
    offer_swap,
    open_swaps,
    reject_swap,
    take_swap,
)
from tests.factories import UserFactory
from tests.helpers import cn
from tests.rota.factories import LeaveFactory, RotationFactory, VolunteerFactory

NOW = cn("11-28 12:00")


@pytest.fixture
def a(session: Session) -> Volunteer:
    return VolunteerFactory()


@pytest.fixture
def b(session: Session) -> Volunteer:
    return VolunteerFactory()


@pytest.fixture
def supervisor(session: Session) -> User:
    return UserFactory()


@pytest.fixture
def offered(session: Session, a: Volunteer) -> int:
    """a is on duty daily; a offers the 2nd of December 08:00-20:00."""
    RotationFactory(members=[a])
    swap = offer_swap(
        session,
        volunteer_id=a.id,
        layer=1,
        starts_at=cn("12-02 08:00"),
        ends_at=cn("12-02 20:00"),
        now=NOW,
    )
    return swap.id


def on_duty_ids(session: Session, at: datetime) -> list[int | None]:
    return [d.volunteer_id for d in rota.on_duty(session, at)]


def test_approved_swap_puts_the_taker_on_duty(
    session: Session, a: Volunteer, b: Volunteer, supervisor: User, offered: int
) -> None:
    swap = take_swap(session, offered, b.id, NOW, requires_approval=True)
    assert swap.status is SwapStatus.TAKEN
    assert on_duty_ids(session, cn("12-02 10:00")) == [a.id]  # not before approval
    swap = approve_swap(session, offered, supervisor.id, NOW)
    assert swap.status is SwapStatus.APPROVED and swap.decided_by_id == supervisor.id
    override = session.get(Override, swap.override_id)
    assert override is not None
    assert (override.volunteer_id, override.replaced_volunteer_id) == (b.id, a.id)
    assert on_duty_ids(session, cn("12-02 10:00")) == [b.id]
    assert on_duty_ids(session, cn("12-02 20:00")) == [a.id]


def test_without_required_approval_taking_approves(
    session: Session, b: Volunteer, offered: int
) -> None:
    swap = take_swap(session, offered, b.id, NOW, requires_approval=False)
    assert swap.status is SwapStatus.APPROVED and swap.override_id is not None
    assert on_duty_ids(session, cn("12-02 10:00")) == [b.id]


def test_rejected_swap_leaves_the_offerer_on_duty(
    session: Session, a: Volunteer, b: Volunteer, supervisor: User, offered: int
) -> None:
    take_swap(session, offered, b.id, NOW, requires_approval=True)
    swap = reject_swap(session, offered, supervisor.id, NOW, note="b is new")
    assert (swap.status, swap.decision_note) == (SwapStatus.REJECTED, "b is new")
    assert on_duty_ids(session, cn("12-02 10:00")) == [a.id]
    with pytest.raises(rota.RotaError, match="only a taken swap"):
        approve_swap(session, offered, supervisor.id, NOW)


def test_cancelling_an_approved_swap_cancels_its_override(
    session: Session, a: Volunteer, b: Volunteer, offered: int
) -> None:
    take_swap(session, offered, b.id, NOW, requires_approval=False)
    swap = cancel_swap(session, offered, NOW, volunteer_id=a.id)
    assert swap.status is SwapStatus.CANCELLED
    assert on_duty_ids(session, cn("12-02 10:00")) == [a.id]
    # History kept: the override is still there, cancelled.
    assert session.scalars(select(Override.cancelled_at)).all() == [NOW]


def test_only_the_offerer_may_cancel(session: Session, b: Volunteer, offered: int) -> None:
    with pytest.raises(rota.RotaError, match="only the volunteer who offered"):
        cancel_swap(session, offered, NOW, volunteer_id=b.id)


def test_cannot_offer_a_window_you_are_not_on(session: Session, a: Volunteer, b: Volunteer) -> None:
    RotationFactory(members=[a, b])
    with pytest.raises(rota.RotaError, match="not on duty"):
        # b's turn is the 2nd; the window runs into a's turn on the 3rd.
        offer_swap(
            session,
            volunteer_id=b.id,
            layer=1,
            starts_at=cn("12-02 20:00"),
            ends_at=cn("12-03 09:00"),
            now=NOW,
        )


def test_cannot_offer_the_same_window_twice(session: Session, a: Volunteer, offered: int) -> None:
    with pytest.raises(rota.RotaError, match="already offered"):
        offer_swap(
            session,
            volunteer_id=a.id,
            layer=1,
            starts_at=cn("12-02 10:00"),
            ends_at=cn("12-02 11:00"),
            now=NOW,
        )


@pytest.mark.parametrize("where", ["self", "leave", "started"])
def test_taking_is_refused(
    session: Session, a: Volunteer, b: Volunteer, offered: int, where: str
) -> None:
    taker, now = b.id, NOW
    if where == "self":
        taker = a.id
    elif where == "leave":
        LeaveFactory(volunteer=b, starts_at=cn("12-02 00:00"))
    else:
        now = cn("12-02 08:00")
    with pytest.raises(rota.RotaError):
        take_swap(session, offered, taker, now, requires_approval=True)


def test_open_swaps_lists_offered_and_taken_ones(
    session: Session, b: Volunteer, offered: int
) -> None:
    assert [s.id for s in open_swaps(session, NOW)] == [offered]
    take_swap(session, offered, b.id, NOW, requires_approval=False)
    assert open_swaps(session, NOW) == []
    assert open_swaps(session, cn("12-03 00:00")) == []


def test_a_swap_of_a_swap_wins(session: Session, a: Volunteer, b: Volunteer) -> None:
    c = VolunteerFactory()
    RotationFactory(members=[a])
    first = offer_swap(
        session,
        volunteer_id=a.id,
        layer=1,
        starts_at=cn("12-02 08:00"),
        ends_at=cn("12-02 20:00"),
        now=NOW,
    )
    take_swap(session, first.id, b.id, NOW, requires_approval=False)
    second = offer_swap(
        session,
        volunteer_id=b.id,
        layer=1,
        starts_at=cn("12-02 12:00"),
        ends_at=cn("12-02 12:00") + timedelta(hours=2),
        now=NOW,
    )
    take_swap(session, second.id, c.id, NOW, requires_approval=False)
    assert on_duty_ids(session, cn("12-02 11:00")) == [b.id]
    assert on_duty_ids(session, cn("12-02 13:00")) == [c.id]
