"""Who sees which tickets, the 'assigned to me' filter, and what a ticket's page is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from hotline import review
from hotline.models import EventKind, Role, Ticket, TicketEvent, TicketStatus, Volunteer
from hotline.review import NotVisible, Scope, TicketFilter
from tests import factories

START = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
SUPERVISOR = Scope.for_user(Role.SUPERVISOR, None)


def volunteer() -> Volunteer:
    row: Volunteer = factories.VolunteerFactory()
    return row


def ticket(**fields: object) -> Ticket:
    row: Ticket = factories.TicketFactory(**fields)
    return row


@pytest.fixture
def tickets(session: Session) -> dict[str, object]:
    me, other = volunteer(), volunteer()
    return {
        "me": me,
        "answered": ticket(call=factories.CallFactory(answered_by_id=me.id), created_at=START),
        "assigned": ticket(
            call=factories.CallFactory(answered_by_id=other.id),
            volunteer=me,
            created_at=START - timedelta(hours=1),
        ),
        "both": ticket(
            call=factories.CallFactory(answered_by_id=me.id),
            volunteer=me,
            created_at=START - timedelta(hours=2),
        ),
        "theirs": ticket(call=factories.CallFactory(answered_by_id=other.id), created_at=START),
        "no_call": ticket(created_at=START),
    }


def listed(session: Session, scope: Scope, criteria: TicketFilter | None = None) -> list[int]:
    page = review.list_tickets(session, scope, criteria or TicketFilter(), "Asia/Shanghai")
    return [row.id for row in page.items]


def ids(tickets: dict[str, object], *names: str) -> list[int]:
    return [tickets[name].id for name in names]  # type: ignore[attr-defined]


def test_a_volunteer_sees_tickets_of_their_calls_and_those_assigned_to_them(
    session: Session, tickets: dict[str, object]
) -> None:
    me = Scope.for_user(Role.VOLUNTEER, tickets["me"].id)  # type: ignore[attr-defined]

    assert listed(session, me) == ids(tickets, "answered", "assigned", "both")
    assert listed(session, me, TicketFilter(mine=True)) == ids(tickets, "assigned", "both")


def test_supervisors_see_every_ticket(session: Session, tickets: dict[str, object]) -> None:
    assert len(listed(session, SUPERVISOR)) == 5
    assert listed(session, SUPERVISOR, TicketFilter(mine=True)) == []  # no volunteer of theirs


def test_a_volunteer_login_without_a_volunteer_sees_no_ticket(
    session: Session, tickets: dict[str, object]
) -> None:
    nobody = Scope.for_user(Role.VOLUNTEER, None)

    assert listed(session, nobody) == []
    assert listed(session, nobody, TicketFilter(mine=True)) == []
    for name in ("answered", "no_call"):
        assert not nobody.allows_ticket(tickets[name])  # type: ignore[arg-type]


def test_the_detail_is_refused_outside_the_scope(
    session: Session, tickets: dict[str, object]
) -> None:
    me = Scope.for_user(Role.VOLUNTEER, tickets["me"].id)  # type: ignore[attr-defined]

    for name in ("theirs", "no_call"):
        number = tickets[name].number  # type: ignore[attr-defined]
        with pytest.raises(NotVisible):
            review.ticket_detail(session, me, number)
        with pytest.raises(NotVisible):
            review.visible_ticket(session, me, number)
    assert review.ticket_detail(session, me, "2026-999999") is None


def test_an_assigned_volunteer_sees_the_ticket_but_not_its_call(
    session: Session, tickets: dict[str, object]
) -> None:
    me = Scope.for_user(Role.VOLUNTEER, tickets["me"].id)  # type: ignore[attr-defined]

    assigned = review.ticket_detail(session, me, tickets["assigned"].number)  # type: ignore[attr-defined]
    answered = review.ticket_detail(session, me, tickets["answered"].number)  # type: ignore[attr-defined]

    assert assigned is not None and answered is not None
    assert (assigned.call_visible, answered.call_visible) == (False, True)
    assert not assigned.edits_details
    supervised = review.ticket_detail(session, SUPERVISOR, tickets["theirs"].number)  # type: ignore[attr-defined]
    assert supervised is not None and supervised.edits_details and supervised.call_visible


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        (TicketStatus.OPEN, ["assigned", "in_progress", "resolved", "closed"]),
        (TicketStatus.IN_PROGRESS, ["open", "assigned", "resolved", "closed"]),
        (TicketStatus.RESOLVED, ["in_progress", "closed"]),
        (TicketStatus.CLOSED, ["in_progress"]),
    ],
)
def test_the_detail_offers_the_statuses_the_rules_allow_in_order(
    session: Session, status: TicketStatus, offered: list[str]
) -> None:
    row = ticket(status=status)

    detail = review.ticket_detail(session, SUPERVISOR, row.number)

    assert detail is not None
    assert [s.value for s in detail.next_statuses] == offered


def test_the_timeline_interleaves_by_time_and_a_webhook_precedes_a_change_at_the_same_instant(
    session: Session,
) -> None:
    call = factories.CallFactory()
    row = ticket(call=call)
    for kind, seconds in (("status", 30), ("incoming", 0)):
        factories.CallEventFactory(
            call=call, kind=kind, received_at=START + timedelta(seconds=seconds)
        )
    for kind, seconds in ((EventKind.NOTE, 40), (EventKind.CREATED, 0)):
        session.add(TicketEvent(ticket_id=row.id, kind=kind, at=START + timedelta(seconds=seconds)))
    session.flush()

    detail = review.ticket_detail(session, SUPERVISOR, row.number)

    assert detail is not None
    assert [
        entry.call_event.kind if entry.call_event else entry.ticket_event.kind.value  # type: ignore[union-attr]
        for entry in detail.timeline
    ] == ["incoming", "created", "status", "note"]
