"""A verified resident's own tickets, from calls and from the web alike (by their number): the
status, the public part of the timeline, the visit window; adding a note, confirming it fixed
and rating it (the SMS survey's score)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from hotline.models import EventKind, Ticket, TicketEvent, TicketStatus
from hotline.online.submission import RESIDENT
from hotline.photos import ProcessedPhoto, attach_photo
from hotline.refusal import N_, Refused
from hotline.tickets import workflow
from hotline.tickets.lifecycle import OPEN_STATUSES

# The newest this many: a resident with more calls than that calls the line.
MAX_TICKETS = 30
NOTE_CHARS = 500
# Marks the resident's own notes: other notes on a timeline are the workers' and stay inside.
RESIDENT_FIELD = "resident"
CONFIRMED_NOTE = "the resident confirmed it is fixed"


class MyTicketRefused(Refused):
    """A change a resident cannot make to their ticket."""


@dataclass(frozen=True)
class PublicEvent:
    """One line of the timeline a resident sees: what happened and when, with the new status,
    the score, or the resident's own words (their notes)."""

    at: datetime
    kind: EventKind
    status: TicketStatus | None = None
    score: int | None = None
    note: str = ""


@dataclass(frozen=True)
class MyTicket:
    """A ticket as its resident sees it."""

    ticket: Ticket
    events: list[PublicEvent] = field(default_factory=list)

    @property
    def can_confirm(self) -> bool:
        """Whether the resident may still confirm it fixed and rate it."""
        ticket = self.ticket
        unresolved_close = ticket.status is TicketStatus.CLOSED and ticket.resolved_at is None
        return ticket.satisfaction is None and not unresolved_close


def number_forms(number: str) -> list[str]:
    """How a verified number (+86...) may be stored on tickets: as the carrier sends it, or
    as a mainland mobile was typed."""
    return [number, number[3:]] if number.startswith("+86") else [number]


# Public: what happened to the ticket, never who inside did it or the workers' notes.
_PUBLIC = or_(
    TicketEvent.kind.in_(
        [EventKind.CREATED, EventKind.STATUS, EventKind.ASSIGNED, EventKind.RATED]
    ),
    and_(TicketEvent.kind == EventKind.NOTE, TicketEvent.field == RESIDENT_FIELD),
    and_(TicketEvent.kind == EventKind.PHOTO, TicketEvent.actor == RESIDENT.name),
)


def _public(event: TicketEvent) -> PublicEvent:
    if event.kind is EventKind.NOTE:
        return PublicEvent(event.at, event.kind, note=event.note)
    if event.kind is EventKind.STATUS:
        return PublicEvent(event.at, event.kind, status=TicketStatus(event.to_value))
    if event.kind is EventKind.RATED:
        return PublicEvent(event.at, event.kind, score=int(event.to_value))
    return PublicEvent(event.at, event.kind)


def tickets_of(session: Session, number: str) -> list[MyTicket]:
    """The number's newest tickets (calls' and web ones), each with its public timeline."""
    tickets = list(
        session.scalars(
            select(Ticket)
            .options(joinedload(Ticket.category), joinedload(Ticket.community))
            .where(Ticket.caller_number.in_(number_forms(number)))
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(MAX_TICKETS)
        )
    )
    events: dict[int, list[PublicEvent]] = defaultdict(list)
    if tickets:
        rows = session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id.in_([t.id for t in tickets]), _PUBLIC)
            .order_by(TicketEvent.at, TicketEvent.id)
        )
        for event in rows:
            events[event.ticket_id].append(_public(event))
    return [MyTicket(t, events[t.id]) for t in tickets]


def ticket_of(session: Session, number: str, ticket_number: str) -> Ticket | None:
    """The number's ticket by its full number; None for anyone else's."""
    return session.scalars(
        select(Ticket).where(
            Ticket.number == ticket_number, Ticket.caller_number.in_(number_forms(number))
        )
    ).one_or_none()


def add_note(session: Session, ticket: Ticket, note: str, now: datetime) -> TicketEvent:
    """The resident's note on their ticket's timeline (shown to them and to the workers)."""
    note = note.strip()[:NOTE_CHARS]
    if not note:
        raise MyTicketRefused(N_("the note is empty"))
    return workflow.record(
        session, ticket, EventKind.NOTE, RESIDENT, now, field=RESIDENT_FIELD, note=note
    )


def add_photos(
    session: Session,
    ticket: Ticket,
    photos: Sequence[ProcessedPhoto],
    now: datetime,
    *,
    directory: Path,
) -> None:
    """The resident's photos (accepted by hotline.photos) added to their ticket."""
    if not photos:
        raise MyTicketRefused(N_("choose a photo"))
    for photo in photos:
        attach_photo(session, ticket, photo, directory=directory, added_by=RESIDENT.name, at=now)


def confirm_fixed(session: Session, ticket: Ticket, score: int, now: datetime) -> TicketEvent:
    """The resident says it is fixed (an open ticket is resolved) and rates it 1-5, stored as
    the SMS survey's score is (a low one reopens it)."""
    if not MyTicket(ticket).can_confirm:
        raise MyTicketRefused(N_("this ticket can no longer be rated"))
    if score not in range(1, 6):
        raise MyTicketRefused(N_("a score is a number from 1 to 5"))
    if ticket.status in OPEN_STATUSES:
        workflow.change_status(
            session, ticket, TicketStatus.RESOLVED, RESIDENT, now, note=CONFIRMED_NOTE
        )
    return workflow.rate(session, ticket, score, RESIDENT, now)
