"""The tickets domain's rules: status transitions, events, assignment, details, ratings and
short references."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import (
    Category,
    EventKind,
    Priority,
    Resident,
    Technician,
    Ticket,
    TicketEvent,
    TicketStatus,
    Volunteer,
)
from hotline.tickets import workflow
from hotline.tickets.workflow import Actor, Details, TicketError
from tests import factories

START = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
NOW = START + timedelta(hours=5)
ZHANG = Actor("张主管", user_id=None)
S = TicketStatus

# The rules as the issue states them, written out by hand (not read from TRANSITIONS): the
# way forward open -> assigned -> in_progress -> resolved -> closed, any open status back to
# another open one or straight to resolved or closed, and reopening (resolved or closed ->
# in_progress). Nothing leaves closed except a reopening.
ALLOWED = {
    (S.OPEN, S.ASSIGNED),
    (S.OPEN, S.IN_PROGRESS),
    (S.OPEN, S.RESOLVED),
    (S.OPEN, S.CLOSED),
    (S.ASSIGNED, S.OPEN),
    (S.ASSIGNED, S.IN_PROGRESS),
    (S.ASSIGNED, S.RESOLVED),
    (S.ASSIGNED, S.CLOSED),
    (S.IN_PROGRESS, S.OPEN),
    (S.IN_PROGRESS, S.ASSIGNED),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.IN_PROGRESS, S.CLOSED),
    (S.RESOLVED, S.IN_PROGRESS),
    (S.RESOLVED, S.CLOSED),
    (S.CLOSED, S.IN_PROGRESS),
}
PAIRS = list(itertools.product(TicketStatus, TicketStatus))


def ticket_with(session: Session, status: TicketStatus, **fields: object) -> Ticket:
    """A ticket in `status` with a volunteer assigned (so going to assigned is possible)."""
    volunteer = factories.VolunteerFactory()
    values: dict[str, object] = {
        "status": status,
        "created_at": START,
        "due_at": START + timedelta(hours=72),
        "volunteer": volunteer,
        **fields,
    }
    ticket: Ticket = factories.TicketFactory(**values)
    return ticket


def events_of(session: Session, ticket: Ticket) -> list[TicketEvent]:
    session.flush()
    return list(
        session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        )
    )


def test_the_transition_table_is_the_issues() -> None:
    assert {(a, b) for a, targets in workflow.TRANSITIONS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize(("current", "to"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_transition_is_allowed_or_refused_by_the_rules(
    session: Session, current: TicketStatus, to: TicketStatus
) -> None:
    ticket = ticket_with(session, current)

    if (current, to) in ALLOWED:
        event = workflow.change_status(session, ticket, to, ZHANG, NOW, note="上门修好了")
        assert ticket.status is to
        assert (event.kind, event.from_value, event.to_value) == (
            EventKind.STATUS,
            current.value,
            to.value,
        )
    else:
        with pytest.raises(TicketError) as refused:
            workflow.change_status(session, ticket, to, ZHANG, NOW, note="上门修好了")
        expected = (
            {"status": to.value} if to is current else {"current": current.value, "to": to.value}
        )
        assert refused.value.params == expected
        assert ticket.status is current
        assert events_of(session, ticket) == []


def test_closed_to_assigned_is_refused_with_a_clear_message(session: Session) -> None:
    ticket = ticket_with(session, S.CLOSED)

    with pytest.raises(TicketError) as refused:
        workflow.change_status(session, ticket, S.ASSIGNED, ZHANG, NOW)

    assert str(refused.value) == "a ticket cannot go from closed to assigned"


@pytest.mark.parametrize("to", [S.RESOLVED, S.CLOSED])
@pytest.mark.parametrize("note", ["", "  \n "])
def test_resolving_or_closing_needs_a_note(session: Session, to: TicketStatus, note: str) -> None:
    ticket = ticket_with(session, S.IN_PROGRESS)

    with pytest.raises(TicketError) as refused:
        workflow.change_status(session, ticket, to, ZHANG, NOW, note=note)

    assert refused.value.message == "say what was done: a note is needed to mark it %(to)s"
    assert (ticket.status, ticket.resolved_at, ticket.closed_at) == (S.IN_PROGRESS, None, None)
    assert events_of(session, ticket) == []


def test_assigned_needs_someone_to_be_assigned_to(session: Session) -> None:
    ticket = ticket_with(session, S.OPEN, volunteer=None)

    with pytest.raises(TicketError, match="choose who it is assigned to"):
        workflow.change_status(session, ticket, S.ASSIGNED, ZHANG, NOW)


def test_a_status_change_is_an_event_with_who_when_from_to_and_note(session: Session) -> None:
    ticket = ticket_with(session, S.IN_PROGRESS)
    user = factories.UserFactory()
    actor = Actor("王主管", user_id=user.id)

    workflow.change_status(session, ticket, S.RESOLVED, actor, NOW, note="  换了水龙头 ")

    [event] = events_of(session, ticket)
    assert (event.kind, event.actor, event.user_id, event.at) == (
        EventKind.STATUS,
        "王主管",
        user.id,
        NOW,
    )
    assert (event.field, event.from_value, event.to_value, event.note) == (
        "status",
        "in_progress",
        "resolved",
        "换了水龙头",
    )
    assert ticket.resolved_at == NOW


@pytest.mark.parametrize("ended", [S.RESOLVED, S.CLOSED])
def test_reopening_keeps_the_clock_and_clears_the_end(
    session: Session, ended: TicketStatus
) -> None:
    ticket = ticket_with(
        session,
        ended,
        resolved_at=START + timedelta(hours=1),
        closed_at=START + timedelta(hours=2) if ended is S.CLOSED else None,
        survey_sent_at=START + timedelta(hours=1),
    )

    workflow.change_status(session, ticket, S.IN_PROGRESS, ZHANG, NOW, note="居民说还漏水")

    assert ticket.status is S.IN_PROGRESS
    assert (ticket.created_at, ticket.due_at) == (START, START + timedelta(hours=72))
    assert (ticket.resolved_at, ticket.closed_at, ticket.survey_sent_at) == (None, None, None)


def test_reopening_draws_a_new_reference_if_an_open_ticket_took_it(session: Session) -> None:
    old = ticket_with(session, S.RESOLVED, ref="4321")
    newer = ticket_with(session, S.OPEN, ref="4321")  # allowed: `old` was no longer open
    session.flush()

    workflow.change_status(session, old, S.IN_PROGRESS, ZHANG, NOW)
    session.flush()  # the partial unique index would refuse two open "4321"

    assert newer.ref == "4321"
    assert old.ref is not None and old.ref != "4321"
    assert len(old.ref) == 4 and old.ref.isdigit()


def test_reopening_keeps_a_reference_nobody_took(session: Session) -> None:
    ticket = ticket_with(session, S.CLOSED, ref="4321")

    workflow.change_status(session, ticket, S.IN_PROGRESS, ZHANG, NOW)

    assert ticket.ref == "4321"


def test_back_to_open_clears_who_it_was_assigned_to(session: Session) -> None:
    ticket = ticket_with(session, S.ASSIGNED)

    workflow.change_status(session, ticket, S.OPEN, ZHANG, NOW, note="师傅退单")

    assert (ticket.volunteer_id, ticket.technician_id) == (None, None)


# Assignment


@pytest.fixture
def technician(session: Session) -> Technician:
    row = Technician(name="刘师傅", mobile="+8613900000001")
    session.add(row)
    session.flush()
    return row


def test_assigning_an_open_ticket_makes_it_assigned_with_two_events(
    session: Session, technician: Technician
) -> None:
    ticket = ticket_with(session, S.OPEN, volunteer=None)

    workflow.assign(session, ticket, ZHANG, NOW, technician=technician, note=" 带上扳手 ")

    assert (ticket.status, ticket.technician_id, ticket.volunteer_id) == (
        S.ASSIGNED,
        technician.id,
        None,
    )
    assigned, status = events_of(session, ticket)
    assert (assigned.kind, assigned.field, assigned.from_value, assigned.to_value) == (
        EventKind.ASSIGNED,
        "technician",
        "",
        "刘师傅",
    )
    assert (assigned.note, assigned.actor) == ("带上扳手", "张主管")
    assert (status.kind, status.from_value, status.to_value) == (
        EventKind.STATUS,
        "open",
        "assigned",
    )


def test_reassigning_from_a_technician_to_a_volunteer_keeps_the_status(
    session: Session, technician: Technician
) -> None:
    ticket = ticket_with(session, S.IN_PROGRESS, volunteer=None, technician=technician)
    volunteer: Volunteer = factories.VolunteerFactory(name="志愿者乙")

    workflow.assign(session, ticket, ZHANG, NOW, volunteer=volunteer)

    assert (ticket.status, ticket.technician_id, ticket.volunteer_id) == (
        S.IN_PROGRESS,
        None,
        volunteer.id,
    )
    [event] = events_of(session, ticket)
    assert (event.field, event.from_value, event.to_value) == ("volunteer", "刘师傅", "志愿者乙")


@pytest.mark.parametrize("both", [True, False], ids=["both", "neither"])
def test_assign_takes_a_technician_or_a_volunteer(
    session: Session, technician: Technician, both: bool
) -> None:
    ticket = ticket_with(session, S.OPEN, volunteer=None)
    volunteer = factories.VolunteerFactory() if both else None

    with pytest.raises(TicketError, match="choose one technician or one volunteer"):
        workflow.assign(
            session,
            ticket,
            ZHANG,
            NOW,
            technician=technician if both else None,
            volunteer=volunteer,
        )
    assert ticket.status is S.OPEN
    assert events_of(session, ticket) == []


def test_an_inactive_technician_or_volunteer_is_refused(
    session: Session, technician: Technician
) -> None:
    ticket = ticket_with(session, S.OPEN, volunteer=None)
    technician.active = False
    resting: Volunteer = factories.VolunteerFactory(name="志愿者丙", active=False)

    with pytest.raises(TicketError) as refused:
        workflow.assign(session, ticket, ZHANG, NOW, technician=technician)
    assert refused.value.params == {"name": "刘师傅"}
    with pytest.raises(TicketError, match="志愿者丙 is not active"):
        workflow.assign(session, ticket, ZHANG, NOW, volunteer=resting)
    assert (ticket.status, ticket.technician_id, ticket.volunteer_id) == (S.OPEN, None, None)


@pytest.mark.parametrize("ended", [S.RESOLVED, S.CLOSED])
def test_an_ended_ticket_must_be_reopened_before_assigning(
    session: Session, technician: Technician, ended: TicketStatus
) -> None:
    ticket = ticket_with(session, ended, volunteer=None)

    with pytest.raises(TicketError, match="reopen the ticket before assigning it"):
        workflow.assign(session, ticket, ZHANG, NOW, technician=technician)


# Details


@pytest.fixture
def water(session: Session) -> Category:
    category: Category = factories.CategoryFactory(code="water", sla_hours=72)
    return category


@pytest.fixture
def lockout(session: Session) -> Category:
    category: Category = factories.CategoryFactory(code="lockout", sla_hours=24, urgent_sla_hours=4)
    return category


def test_each_changed_detail_is_an_event_and_the_directory_remembers(
    session: Session, water: Category
) -> None:
    east = factories.CommunityFactory(name="东湖社区")
    ticket = ticket_with(session, S.OPEN, caller_number="+8613800000001")

    changed = workflow.update_details(
        session,
        ticket,
        Details(community=east, address=" 3号楼\t2单元 ", resident_name=" 李阿姨 "),
        ZHANG,
        NOW,
        default_sla_hours=72,
    )

    assert [(e.field, e.from_value, e.to_value) for e in changed] == [
        ("community", "", "东湖社区"),
        ("address", "", "3号楼 2单元"),
        ("resident_name", "", "李阿姨"),
    ]
    assert all(e.kind is EventKind.FIELD and e.at == NOW for e in changed)
    resident = session.scalars(select(Resident)).one()
    assert (resident.number, resident.community_id, resident.address, resident.name) == (
        "+8613800000001",
        east.id,
        "3号楼 2单元",
        "李阿姨",
    )
    assert ticket.resident_id == resident.id
    assert ticket.due_at == START + timedelta(hours=72)  # neither category nor priority changed


def test_unchanged_details_record_nothing_and_remember_nothing(session: Session) -> None:
    east = factories.CommunityFactory()
    ticket = ticket_with(
        session, S.OPEN, community=east, address="1号楼", caller_number="+8613800000001"
    )

    changed = workflow.update_details(
        session,
        ticket,
        Details(community=east, address="1号楼", priority=Priority.NORMAL, resident_name=""),
        ZHANG,
        NOW,
        default_sla_hours=72,
    )

    assert changed == []
    assert session.scalars(select(Resident)).all() == []


@pytest.mark.parametrize(
    ("category", "priority", "hours"),
    [
        ("water", Priority.NORMAL, 72),
        ("lockout", Priority.NORMAL, 24),
        ("lockout", Priority.URGENT, 4),
        ("water", Priority.URGENT, 72),  # no shorter promise for urgent water repairs
        (None, Priority.URGENT, 60),  # no category: the default hours
    ],
)
def test_a_new_category_or_priority_moves_due_from_the_start(
    session: Session,
    water: Category,
    lockout: Category,
    category: str | None,
    priority: Priority,
    hours: int,
) -> None:
    ticket = ticket_with(session, S.OPEN, due_at=START + timedelta(hours=999))
    chosen = {"water": water, "lockout": lockout}.get(category or "")

    workflow.update_details(
        session,
        ticket,
        Details(category=chosen, priority=priority),
        ZHANG,
        NOW,
        default_sla_hours=60,
    )

    assert ticket.due_at == START + timedelta(hours=hours)


def test_category_and_priority_changes_are_recorded_by_code_and_value(
    session: Session, water: Category, lockout: Category
) -> None:
    ticket = ticket_with(session, S.OPEN, category=water)

    changed = workflow.update_details(
        session,
        ticket,
        Details(category=lockout, priority=Priority.URGENT),
        ZHANG,
        NOW,
        default_sla_hours=72,
    )

    assert [(e.field, e.from_value, e.to_value) for e in changed] == [
        ("category", "water", "lockout"),
        ("priority", "normal", "urgent"),
    ]


def test_an_address_is_cut_to_its_column(session: Session) -> None:
    ticket = ticket_with(session, S.OPEN)

    workflow.update_details(
        session, ticket, Details(address="路" * 300), ZHANG, NOW, default_sla_hours=72
    )

    assert ticket.address == "路" * workflow.ADDRESS_CHARS


# Notes


def test_a_note_is_an_event_and_changes_nothing_else(session: Session) -> None:
    ticket = ticket_with(session, S.ASSIGNED)

    workflow.add_note(session, ticket, ZHANG, NOW, "  居民明早在家 ")

    [event] = events_of(session, ticket)
    assert (event.kind, event.note, event.actor) == (EventKind.NOTE, "居民明早在家", "张主管")
    assert ticket.status is S.ASSIGNED


def test_an_empty_note_is_refused(session: Session) -> None:
    ticket = ticket_with(session, S.OPEN)

    with pytest.raises(TicketError, match="the note is empty"):
        workflow.add_note(session, ticket, ZHANG, NOW, " \n ")
    assert events_of(session, ticket) == []


# Ratings


@pytest.mark.parametrize("score", [0, 6, -1])
def test_a_score_is_one_to_five(session: Session, score: int) -> None:
    ticket = ticket_with(session, S.RESOLVED)

    with pytest.raises(TicketError, match="a score is a number from 1 to 5"):
        workflow.rate(session, ticket, score, workflow.SYSTEM, NOW)
    assert ticket.satisfaction is None


@pytest.mark.parametrize("score", [3, 4, 5])
def test_a_good_score_is_stored_and_the_ticket_stays_resolved(session: Session, score: int) -> None:
    ticket = ticket_with(session, S.RESOLVED, resolved_at=START + timedelta(hours=2))

    workflow.rate(session, ticket, score, Actor("居民"), NOW)

    assert (ticket.satisfaction, ticket.rated_at, ticket.status) == (score, NOW, S.RESOLVED)
    [event] = events_of(session, ticket)
    assert (event.kind, event.to_value, event.actor) == (EventKind.RATED, str(score), "居民")


@pytest.mark.parametrize("score", [1, 2])
@pytest.mark.parametrize("ended", [S.RESOLVED, S.CLOSED])
def test_a_low_score_reopens_the_ticket_for_review(
    session: Session, score: int, ended: TicketStatus
) -> None:
    ticket = ticket_with(session, ended, resolved_at=START + timedelta(hours=2))

    workflow.rate(session, ticket, score, Actor("居民"), NOW)

    assert (ticket.satisfaction, ticket.status, ticket.resolved_at) == (score, S.IN_PROGRESS, None)
    assert ticket.due_at == START + timedelta(hours=72)
    rated, reopened = events_of(session, ticket)
    assert rated.kind is EventKind.RATED
    assert (reopened.kind, reopened.from_value, reopened.to_value, reopened.actor) == (
        EventKind.STATUS,
        ended.value,
        "in_progress",
        "system",
    )
    assert reopened.note == f"satisfaction {score}/5"


def test_a_ticket_is_rated_once(session: Session) -> None:
    ticket = ticket_with(session, S.RESOLVED)
    workflow.rate(session, ticket, 5, Actor("居民"), NOW)

    with pytest.raises(TicketError, match="already been rated"):
        workflow.rate(session, ticket, 1, Actor("居民"), NOW)

    assert (ticket.satisfaction, ticket.status) == (5, S.RESOLVED)
    assert len(events_of(session, ticket)) == 1


# Short references


class Draws:
    """secrets.randbelow replaced by a list of offsets from the lowest reference (0 -> "1000")."""

    def __init__(self, *offsets: int) -> None:
        self.offsets = list(offsets)
        self.calls = 0

    def __call__(self, _bound: int) -> int:
        self.calls += 1
        return self.offsets.pop(0) if self.offsets else 0


def test_a_reference_is_four_digits(session: Session) -> None:
    refs = {workflow.new_ref(session) for _ in range(50)}

    assert all(len(ref) == 4 and ref.isdigit() and ref[0] != "0" for ref in refs)


def test_a_reference_held_by_an_open_ticket_is_drawn_again(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket_with(session, S.IN_PROGRESS, ref="1000")
    draws = Draws(0, 0, 234)
    monkeypatch.setattr(workflow.secrets, "randbelow", draws)

    assert workflow.new_ref(session) == "1234"
    assert draws.calls == 3


@pytest.mark.parametrize("ended", [S.RESOLVED, S.CLOSED])
def test_a_resolved_tickets_reference_can_be_used_again(
    session: Session, monkeypatch: pytest.MonkeyPatch, ended: TicketStatus
) -> None:
    ticket_with(session, ended, ref="1000")
    monkeypatch.setattr(workflow.secrets, "randbelow", Draws(0))

    assert workflow.new_ref(session) == "1000"


def test_references_grow_longer_only_when_four_digits_keep_colliding(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket_with(session, S.OPEN, ref="1000")
    draws = Draws()  # always the lowest: "1000", then "10000"
    monkeypatch.setattr(workflow.secrets, "randbelow", draws)

    assert workflow.new_ref(session) == "10000"
    assert draws.calls == workflow.REF_DRAWS + 1


def test_back_to_open_forgets_the_assignee_in_the_session_too(
    session: Session, technician: Technician
) -> None:
    ticket = ticket_with(session, S.OPEN, volunteer=None)
    workflow.assign(session, ticket, ZHANG, NOW, technician=technician)

    workflow.change_status(session, ticket, S.OPEN, ZHANG, NOW, note="师傅退单")
    session.flush()

    assert workflow.assignee_name(ticket) == ""
    assert (ticket.technician, ticket.technician_id) == (None, None)
    volunteer: Volunteer = factories.VolunteerFactory(name="志愿者乙")
    event = workflow.assign(session, ticket, ZHANG, NOW, volunteer=volunteer)
    assert (event.from_value, event.to_value) == ("", "志愿者乙")


def test_a_name_for_a_withheld_number_is_not_claimed_as_a_change(session: Session) -> None:
    # The name lives in the residents directory, keyed by number: with no number there is
    # nowhere to keep it, so the timeline must not say it changed.
    ticket = ticket_with(session, S.OPEN, caller_number="")

    changed = workflow.update_details(
        session, ticket, Details(resident_name="李阿姨"), ZHANG, NOW, default_sla_hours=72
    )

    assert changed == []
    assert session.scalars(select(Resident)).all() == []


def test_the_usual_next_step_is_a_legal_one_from_every_status() -> None:
    assert set(workflow.USUAL_NEXT) == set(TicketStatus)
    for status, usual in workflow.USUAL_NEXT.items():
        assert usual in workflow.TRANSITIONS[status], status
