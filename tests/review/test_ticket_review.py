"""Who sees which tickets, the 'assigned to me' filter, and what a ticket's page is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
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
    return made()


def made() -> dict[str, object]:
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


def test_the_count_matches_the_listed_tickets_in_every_scope(any_session: Session) -> None:
    session, tickets = any_session, made()
    me = Scope.for_user(Role.VOLUNTEER, tickets["me"].id)  # type: ignore[attr-defined]
    nobody = Scope.for_user(Role.VOLUNTEER, None)

    for scope, criteria, expected in [
        (SUPERVISOR, TicketFilter(), 5),
        (me, TicketFilter(), 3),
        (me, TicketFilter(mine=True), 2),
        (nobody, TicketFilter(), 0),
        (nobody, TicketFilter(mine=True), 0),
    ]:
        page = review.list_tickets(session, scope, criteria, "Asia/Shanghai")
        assert (page.total, page.capped, len(page.items)) == (expected, False, expected)


def test_counting_stops_past_the_cap_and_pages_end_there(
    any_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, tickets = any_session, made()
    monkeypatch.setattr("hotline.review.scope.MAX_COUNTED", 3)

    first = review.list_tickets(session, SUPERVISOR, TicketFilter(), "Asia/Shanghai", 1, 2)
    me = Scope.for_user(Role.VOLUNTEER, tickets["me"].id)  # type: ignore[attr-defined]
    mine = review.list_tickets(session, me, TicketFilter(), "Asia/Shanghai")

    # Five tickets: three counted, "more than three", two pages of two.
    assert (first.total, first.capped, first.pages) == (3, True, 2)
    assert len(first.items) == 2
    assert first.has_next
    # Exactly the cap is a count, not "more".
    assert (mine.total, mine.capped) == (3, False)
    # The order is kept under the cap: urgent first, then newest, then the latest id.
    whole = review.list_tickets(session, SUPERVISOR, TicketFilter(), "Asia/Shanghai", 1, 10)
    assert [row.id for row in whole.items] == [
        row.id
        for row in sorted(
            session.scalars(select(Ticket)),
            key=lambda t: (t.priority.value != "urgent", -t.created_at.timestamp(), -t.id),
        )
    ]


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
