"""Working a ticket: status changes by the rules, assignment, details and notes, each an event.

Only this module changes a ticket's status. Every change is a TicketEvent (who, when, from,
to, note), which the ticket's page shows as its timeline. Callers own the transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import (
    Category,
    Community,
    EventKind,
    Priority,
    Technician,
    Ticket,
    TicketEvent,
    TicketStatus,
    Volunteer,
)
from hotline.refusal import N_, Refused
from hotline.tickets import clock, residents
from hotline.tickets.lifecycle import OPEN_STATUSES


class TicketError(Refused):
    """A change to a ticket that the rules refuse."""


@dataclass(frozen=True)
class Actor:
    """Who changes a ticket: a dashboard user (user_id), or a named outsider ("system")."""

    name: str
    user_id: int | None = None


SYSTEM = Actor("system")

# Where each status may go. Reopening (resolved or closed -> in_progress) keeps the clock.
TRANSITIONS: Mapping[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.OPEN: frozenset(
        {
            TicketStatus.ASSIGNED,
            TicketStatus.IN_PROGRESS,
            TicketStatus.RESOLVED,
            TicketStatus.CLOSED,
        }
    ),
    TicketStatus.ASSIGNED: frozenset(
        {TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
    TicketStatus.IN_PROGRESS: frozenset(
        {TicketStatus.OPEN, TicketStatus.ASSIGNED, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
    TicketStatus.RESOLVED: frozenset({TicketStatus.IN_PROGRESS, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset({TicketStatus.IN_PROGRESS}),
}
# The step a ticket usually takes next, offered first: forward, never back to where it came from
# (assigning is the assign panel's, which names who).
USUAL_NEXT: Mapping[TicketStatus, TicketStatus] = {
    TicketStatus.OPEN: TicketStatus.IN_PROGRESS,
    TicketStatus.ASSIGNED: TicketStatus.IN_PROGRESS,
    TicketStatus.IN_PROGRESS: TicketStatus.RESOLVED,
    TicketStatus.RESOLVED: TicketStatus.CLOSED,
    TicketStatus.CLOSED: TicketStatus.IN_PROGRESS,
}
# Ending a ticket says why.
NEEDS_NOTE = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})
NOTE_CHARS = 2000


def record(
    session: Session,
    ticket: Ticket,
    kind: EventKind,
    actor: Actor,
    now: datetime,
    *,
    field: str = "",
    from_value: str = "",
    to_value: str = "",
    note: str = "",
) -> TicketEvent:
    """Add one event to the ticket's timeline."""
    event = TicketEvent(
        ticket_id=ticket.id,
        kind=kind,
        at=now,
        actor=actor.name[:100],
        user_id=actor.user_id,
        field=field,
        from_value=from_value[:200],
        to_value=to_value[:200],
        note=note[:NOTE_CHARS],
    )
    session.add(event)
    session.flush()
    return event


def change_status(
    session: Session,
    ticket: Ticket,
    to: TicketStatus,
    actor: Actor,
    now: datetime,
    note: str = "",
) -> TicketEvent:
    """Move the ticket to `to` if the rules allow it, else raise TicketError."""
    note = note.strip()
    current = ticket.status
    if to is current:
        raise TicketError(N_("the ticket is already %(status)s"), status=to.value)
    if to not in TRANSITIONS[current]:
        raise TicketError(
            N_("a ticket cannot go from %(current)s to %(to)s"), current=current.value, to=to.value
        )
    if to in NEEDS_NOTE and not note:
        raise TicketError(N_("say what was done: a note is needed to mark it %(to)s"), to=to.value)
    if to is TicketStatus.ASSIGNED and ticket.technician_id is None and ticket.volunteer_id is None:
        raise TicketError(N_("choose who it is assigned to"))
    if current not in OPEN_STATUSES and to in OPEN_STATUSES:
        _reopen(session, ticket)
    if to is TicketStatus.OPEN:
        # The relationships too: clearing only the ids left a loaded technician in the session,
        # so assignee_name (and the next assignment's "from") still named them.
        ticket.technician = None
        ticket.volunteer = None
        ticket.technician_id = None
        ticket.volunteer_id = None
    ticket.status = to
    if to is TicketStatus.RESOLVED:
        ticket.resolved_at = now
    elif to is TicketStatus.CLOSED:
        ticket.closed_at = now
    return record(
        session,
        ticket,
        EventKind.STATUS,
        actor,
        now,
        field="status",
        from_value=current.value,
        to_value=to.value,
        note=note,
    )


def _reopen(session: Session, ticket: Ticket) -> None:
    # The clock keeps its start; the ticket is no longer resolved or closed, and asks for a
    # satisfaction score again when it is next resolved. Its short reference may have been
    # taken by another open ticket meanwhile.
    ticket.resolved_at = None
    ticket.closed_at = None
    ticket.survey_sent_at = None
    if ticket.ref is not None and ref_in_use(session, ticket.ref, besides=ticket.id):
        ticket.ref = new_ref(session)


def assign(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    now: datetime,
    *,
    technician: Technician | None = None,
    volunteer: Volunteer | None = None,
    note: str = "",
) -> TicketEvent:
    """Give the ticket to a technician or a volunteer; an open ticket becomes assigned."""
    if (technician is None) == (volunteer is None):
        raise TicketError(N_("choose one technician or one volunteer"))
    if ticket.status not in OPEN_STATUSES:
        raise TicketError(N_("reopen the ticket before assigning it"))
    if technician is not None and not technician.active:
        raise TicketError(N_("%(name)s is not active"), name=technician.name)
    if volunteer is not None and not volunteer.active:
        raise TicketError(N_("%(name)s is not active"), name=volunteer.name)
    before = assignee_name(ticket)
    ticket.technician = technician
    ticket.volunteer = volunteer
    ticket.technician_id = technician.id if technician else None
    ticket.volunteer_id = volunteer.id if volunteer else None
    event = record(
        session,
        ticket,
        EventKind.ASSIGNED,
        actor,
        now,
        field="technician" if technician else "volunteer",
        from_value=before,
        to_value=assignee_name(ticket),
        note=note.strip(),
    )
    if ticket.status is TicketStatus.OPEN:
        change_status(session, ticket, TicketStatus.ASSIGNED, actor, now)
    return event


def assignee_name(ticket: Ticket) -> str:
    """Who the ticket is assigned to, by name; empty if nobody."""
    if ticket.technician is not None:
        return ticket.technician.name
    if ticket.volunteer is not None:
        return ticket.volunteer.name
    return ""


@dataclass(frozen=True)
class Details:
    """What a ticket's page edits; None leaves a detail as it is."""

    community: Community | None = None
    address: str | None = None
    category: Category | None = None
    priority: Priority | None = None
    resident_name: str | None = None


ADDRESS_CHARS = 200


def update_details(
    session: Session,
    ticket: Ticket,
    details: Details,
    actor: Actor,
    now: datetime,
    *,
    default_sla_hours: int,
) -> list[TicketEvent]:
    """Change what is given, an event per changed detail; the caller's directory entry learns
    the community, address and name (a withheld number has no entry, so no name). A new
    category or priority moves the due time from the start."""
    events = []

    def changed(field: str, before: str, after: str) -> None:
        events.append(
            record(
                session,
                ticket,
                EventKind.FIELD,
                actor,
                now,
                field=field,
                from_value=before,
                to_value=after,
            )
        )

    if details.community is not None and details.community.id != ticket.community_id:
        changed(
            "community", ticket.community.name if ticket.community else "", details.community.name
        )
        ticket.community = details.community
        ticket.community_id = details.community.id
    if details.address is not None:
        address = " ".join(details.address.split())[:ADDRESS_CHARS]
        if address != ticket.address:
            changed("address", ticket.address, address)
            ticket.address = address
    retime = False
    if details.category is not None and details.category.id != ticket.category_id:
        changed("category", ticket.category.code if ticket.category else "", details.category.code)
        ticket.category = details.category
        ticket.category_id = details.category.id
        retime = True
    if details.priority is not None and details.priority is not ticket.priority:
        changed("priority", ticket.priority.value, details.priority.value)
        ticket.priority = details.priority
        retime = True
    if retime:
        ticket.due_at = clock.due_at(
            ticket.created_at, ticket.category, ticket.priority, default_sla_hours
        )
    # The name is kept in the residents directory, by number: a withheld number has no entry.
    name = None if details.resident_name is None else details.resident_name.strip()[:100]
    if not ticket.caller_number:
        name = None
    if name is not None and name != (ticket.resident.name if ticket.resident else ""):
        changed("resident_name", ticket.resident.name if ticket.resident else "", name)
    if events:
        residents.remember(session, ticket, name=name)
    return events


def add_note(
    session: Session, ticket: Ticket, actor: Actor, now: datetime, note: str
) -> TicketEvent:
    """A note on the timeline; nothing else changes."""
    note = note.strip()
    if not note:
        raise TicketError(N_("the note is empty"))
    return record(session, ticket, EventKind.NOTE, actor, now, note=note)


def set_visit(
    session: Session,
    ticket: Ticket,
    start: datetime | None,
    end: datetime | None,
    actor: Actor,
    now: datetime,
    *,
    timezone: str,
) -> TicketEvent | None:
    """Set the technician's promised arrival window (shown to the resident), or clear it with
    neither; an event (the window in local time) when it changed."""
    if (start is None) != (end is None):
        raise TicketError(N_("give both ends of the visit window, or neither"))
    if start is not None and end is not None and end <= start:
        raise TicketError(N_("the visit window must end after it starts"))
    before = _window(ticket.visit_from, ticket.visit_until, timezone)
    after = _window(start, end, timezone)
    if before == after:
        return None
    ticket.visit_from, ticket.visit_until = start, end
    return record(
        session,
        ticket,
        EventKind.FIELD,
        actor,
        now,
        field="visit",
        from_value=before,
        to_value=after,
    )


def _window(start: datetime | None, end: datetime | None, timezone: str) -> str:
    if start is None or end is None:
        return ""
    zone = ZoneInfo(timezone)
    return f"{start.astimezone(zone):%Y-%m-%d %H:%M} – {end.astimezone(zone):%Y-%m-%d %H:%M}"


LOW_SCORES = frozenset({1, 2})


def rate(session: Session, ticket: Ticket, score: int, actor: Actor, now: datetime) -> TicketEvent:
    """Store the resident's satisfaction (1-5); a low score reopens the ticket for review."""
    if score not in range(1, 6):
        raise TicketError(N_("a score is a number from 1 to 5"))
    if ticket.satisfaction is not None:
        raise TicketError(N_("this ticket has already been rated"))
    ticket.satisfaction = score
    ticket.rated_at = now
    event = record(session, ticket, EventKind.RATED, actor, now, to_value=str(score))
    if score in LOW_SCORES and ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        change_status(
            session, ticket, TicketStatus.IN_PROGRESS, SYSTEM, now, note=f"satisfaction {score}/5"
        )
    return event


# Short references: digits a resident can say and type, unique among open tickets. Four
# digits while they are plentiful; longer only when random draws keep colliding.
REF_LENGTHS = (4, 5, 6)
REF_DRAWS = 20


def ref_in_use(session: Session, ref: str, besides: int | None = None) -> bool:
    """Whether an open ticket (other than `besides`) holds this short reference."""
    stmt = select(Ticket.id).where(Ticket.ref == ref, Ticket.status.in_(OPEN_STATUSES))
    if besides is not None:
        stmt = stmt.where(Ticket.id != besides)
    return session.scalars(stmt.limit(1)).first() is not None


def new_ref(session: Session) -> str:
    """A short reference no open ticket holds."""
    for length in REF_LENGTHS:
        low = 10 ** (length - 1)
        for _ in range(REF_DRAWS):
            ref = str(low + secrets.randbelow(9 * low))
            if not ref_in_use(session, ref):
                return ref
    raise RuntimeError("no free short reference: over a million tickets open")
