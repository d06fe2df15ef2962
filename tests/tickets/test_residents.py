"""The residents directory: what a ticket teaches it, and what a new ticket learns from it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Community, Resident, Ticket
from hotline.tickets import residents
from tests import factories


def community(name: str) -> Community:
    row: Community = factories.CommunityFactory(name=name)
    return row


def new_ticket(**fields: object) -> Ticket:
    ticket: Ticket = factories.TicketFactory(**fields)
    return ticket


def test_remember_keeps_community_address_and_name_by_number(session: Session) -> None:
    east = community("东湖社区")
    ticket = new_ticket(caller_number="+8613800000001", community=east, address="3号楼")

    resident = residents.remember(session, ticket, name="李阿姨")

    assert resident is not None
    assert (resident.number, resident.community_id, resident.address, resident.name) == (
        "+8613800000001",
        east.id,
        "3号楼",
        "李阿姨",
    )
    assert ticket.resident_id == resident.id
    assert residents.resident_for(session, "+8613800000001") is resident


def test_what_a_ticket_does_not_know_leaves_the_directory_alone(session: Session) -> None:
    east = community("东湖社区")
    known = Resident(number="+8613800000001", name="李阿姨", community=east, address="3号楼")
    session.add(known)
    ticket = new_ticket(caller_number="+8613800000001")

    residents.remember(session, ticket)

    assert (known.community_id, known.address, known.name) == (east.id, "3号楼", "李阿姨")
    assert session.scalars(select(Resident)).all() == [known]


def test_a_later_ticket_updates_where_the_resident_lives(session: Session) -> None:
    east, west = community("东湖社区"), community("西山社区")
    known = Resident(number="+8613800000001", community=east, address="3号楼")
    session.add(known)
    ticket = new_ticket(caller_number="+8613800000001", community=west, address="7号楼")

    residents.remember(session, ticket)

    assert (known.community_id, known.address) == (west.id, "7号楼")


def test_a_withheld_number_remembers_nothing(session: Session) -> None:
    ticket = new_ticket(caller_number="", community=community("东湖社区"), address="3号楼")

    assert residents.remember(session, ticket, name="匿名") is None
    assert session.scalars(select(Resident)).all() == []
    assert residents.resident_for(session, "") is None


def test_a_new_ticket_is_filled_from_the_directory(session: Session) -> None:
    east = community("东湖社区")
    known = Resident(number="+8613800000001", community=east, address="3号楼")
    session.add(known)
    ticket = new_ticket(caller_number="+8613800000001")

    residents.fill_from_directory(session, ticket)

    assert (ticket.resident, ticket.community_id, ticket.address) == (known, east.id, "3号楼")


def test_filling_keeps_what_the_ticket_already_says(session: Session) -> None:
    east, west = community("东湖社区"), community("西山社区")
    session.add(Resident(number="+8613800000001", community=east, address="3号楼"))
    ticket = new_ticket(caller_number="+8613800000001", community=west, address="7号楼")

    residents.fill_from_directory(session, ticket)

    assert (ticket.community_id, ticket.address) == (west.id, "7号楼")


def test_an_unknown_number_fills_nothing(session: Session) -> None:
    ticket = new_ticket(caller_number="+8613800000009")

    residents.fill_from_directory(session, ticket)

    assert (ticket.resident, ticket.community_id, ticket.address) == (None, None, "")
