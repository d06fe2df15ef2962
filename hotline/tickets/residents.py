"""The residents directory: a caller's number remembered with their community and address."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Resident, Ticket


def resident_for(session: Session, number: str) -> Resident | None:
    """The resident known by this number, if any."""
    if not number:
        return None
    return session.scalars(select(Resident).where(Resident.number == number)).one_or_none()


def remember(session: Session, ticket: Ticket, name: str | None = None) -> Resident | None:
    """Keep what the ticket says of where its caller lives (and `name`, if given) for next time.

    Only what the ticket knows is written: an empty address or no community leaves the
    directory's value alone. A ticket without a caller number (withheld) remembers nothing.
    """
    if not ticket.caller_number:
        return None
    resident = ticket.resident or resident_for(session, ticket.caller_number)
    if resident is None:
        resident = Resident(number=ticket.caller_number)
        session.add(resident)
    if ticket.community_id is not None:
        resident.community_id = ticket.community_id
    if ticket.address:
        resident.address = ticket.address
    if name is not None:
        resident.name = name
    ticket.resident = resident
    session.flush()
    return resident


def fill_from_directory(session: Session, ticket: Ticket) -> None:
    """A new ticket arrives with the community and address its caller's number is known by
    (its resident's, when the caller already found them)."""
    resident = ticket.resident or resident_for(session, ticket.caller_number)
    if resident is None:
        return
    ticket.resident = resident
    if ticket.community_id is None:
        ticket.community_id = resident.community_id
    if not ticket.address:
        ticket.address = resident.address
