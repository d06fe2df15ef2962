"""Opening a call's ticket: its number, short reference, clock and first event, and what the
residents directory fills in; whole calls driven through signed webhooks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import tickets
from hotline.devtools.simulator import Caller, Simulator
from hotline.models import (
    Call,
    Community,
    EventKind,
    Priority,
    Resident,
    Ticket,
    TicketEvent,
    TicketStatus,
    Volunteer,
)
from hotline.tickets import intake, workflow
from tests import factories

NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
CALLER = "+8613800000001"  # the simulator's caller


def call_from(number: str = CALLER, category_code: str | None = None) -> Call:
    call: Call = factories.CallFactory(from_number=number, category_code=category_code)
    return call


def open_ticket(session: Session, call: Call) -> Ticket:
    return intake.open_for_call(session, call, now=NOW, timezone="Asia/Shanghai", sla_hours=72)


def test_a_new_ticket_is_numbered_with_a_short_reference_and_a_created_event(
    session: Session,
) -> None:
    ticket = open_ticket(session, call_from())

    assert ticket.number == f"2026-{ticket.seq:06d}"
    assert ticket.ref is not None and len(ticket.ref) == 4 and ticket.ref.isdigit()
    assert (ticket.status, ticket.created_at, ticket.caller_number) == (
        TicketStatus.OPEN,
        NOW,
        CALLER,
    )
    [event] = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
    assert (event.kind, event.actor, event.at) == (EventKind.CREATED, "system", NOW)


def test_a_call_opens_one_ticket_only(session: Session) -> None:
    call = call_from()

    first = open_ticket(session, call)
    again = open_ticket(session, call)

    assert again is first
    assert len(session.scalars(select(TicketEvent)).all()) == 1


def test_open_tickets_never_share_a_short_reference(session: Session) -> None:
    refs = [open_ticket(session, call_from(f"+86138000000{n:02d}")).ref for n in range(30)]

    assert len(set(refs)) == 30


@pytest.mark.parametrize(
    ("code", "priority", "hours"),
    [
        ("lockout", Priority.URGENT, 4),
        ("water_electric", Priority.NORMAL, 72),
        (None, Priority.NORMAL, 72),
    ],
)
def test_the_clock_starts_at_the_call_with_the_categorys_hours(
    session: Session, code: str | None, priority: Priority, hours: int
) -> None:
    tickets.ensure_categories(session)

    ticket = open_ticket(session, call_from(category_code=code))

    assert ticket.priority is priority
    assert ticket.due_at == NOW + timedelta(hours=hours)


def test_a_second_call_from_a_known_number_arrives_filled_in(session: Session) -> None:
    east: Community = factories.CommunityFactory(name="东湖社区")
    first = open_ticket(session, call_from())
    workflow.update_details(
        session,
        first,
        workflow.Details(community=east, address="3号楼2单元", resident_name="李阿姨"),
        workflow.Actor("王主管"),
        NOW,
        default_sla_hours=72,
    )

    second = open_ticket(session, call_from())
    other = open_ticket(session, call_from("+8613800000002"))

    assert (second.community_id, second.address, second.resident_id) == (
        east.id,
        "3号楼2单元",
        first.resident_id,
    )
    assert second.resident is not None and second.resident.name == "李阿姨"
    assert (other.community_id, other.address, other.resident_id) == (None, "", None)


# Whole calls through the carrier's signed webhooks


def ticket_of(session: Session, simulator_ticket: str | None) -> Ticket:
    session.expire_all()
    ticket = session.scalars(select(Ticket).where(Ticket.number == simulator_ticket)).one()
    return ticket


def test_the_second_calls_ticket_is_filled_from_what_the_first_taught(
    session: Session, simulator: Simulator, on_duty: Callable[[int], list[Volunteer]]
) -> None:
    on_duty(1)
    east: Community = factories.CommunityFactory(name="东湖社区")
    session.commit()
    talk = simulator.run(Caller(presses=["1", "1"], volunteers=["answer"]))
    first = ticket_of(session, talk.ticket_number(session))
    assert (first.community_id, first.address) == (None, "")
    workflow.update_details(
        session,
        first,
        workflow.Details(community=east, address="3号楼2单元"),
        workflow.Actor("王主管"),
        NOW,
        default_sla_hours=72,
    )
    session.commit()

    again = simulator.run(Caller(presses=["1", "1"], volunteers=["answer"]))

    second = ticket_of(session, again.ticket_number(session))
    assert second.id != first.id
    assert (second.community_id, second.address, second.resident_id) == (
        east.id,
        "3号楼2单元",
        first.resident_id,
    )


def test_screening_says_the_callers_community_from_the_directory(
    session: Session, simulator: Simulator, on_duty: Callable[[int], list[Volunteer]]
) -> None:
    on_duty(1)
    # Only the directory knows this caller: no earlier ticket names a community.
    west: Community = factories.CommunityFactory(name="西山社区")
    session.add(Resident(number=CALLER, community=west, address="7号楼"))
    session.commit()

    talk = simulator.run(Caller(presses=["2", "1"], volunteers=["answer"]))

    screened = [line for line in talk.lines if "volunteer hears:" in line]
    assert screened and all("西山社区" in line for line in screened)


def test_screening_follows_the_directory_when_the_resident_has_moved(
    session: Session, simulator: Simulator, on_duty: Callable[[int], list[Volunteer]]
) -> None:
    on_duty(1)
    east: Community = factories.CommunityFactory(name="东湖社区")
    west: Community = factories.CommunityFactory(name="西山社区")
    session.commit()
    talk = simulator.run(Caller(presses=["2", "1"], volunteers=["no-answer"]))
    earlier = ticket_of(session, talk.ticket_number(session))
    earlier.community = east  # the earlier ticket says east ...
    session.add(Resident(number=CALLER, community=west))  # ... the directory now says west
    session.commit()

    again = simulator.run(Caller(presses=["2", "1"], volunteers=["answer"]))

    screened = [line for line in again.lines if "volunteer hears:" in line]
    assert screened and all("西山社区" in line and "东湖社区" not in line for line in screened)
