"""Dispatch: giving a ticket to a technician (or volunteer), and the SMS that follow, sent
through the outbox once each after the caller has committed the change."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.messaging import outbox
from hotline.messaging.texts import text
from hotline.models import (
    EventKind,
    Notification,
    NotificationKind,
    Technician,
    Ticket,
    TicketEvent,
    TicketStatus,
    Volunteer,
)
from hotline.photos import PhotoLinks, has_photos
from hotline.refusal import N_
from hotline.tickets import workflow
from hotline.tickets.lifecycle import OPEN_STATUSES

from .technicians import DispatchError

# The assignment note a supervisor types, and how much of it the technician's SMS carries.
NOTE_CHARS = 200
SMS_NOTE_CHARS = 60


@dataclass(frozen=True)
class Assigned:
    """An assignment made: its event (the SMS key) and the technician to text, if any."""

    event_id: int
    technician_id: int | None


def find_ticket(session: Session, number: str) -> Ticket | None:
    """The ticket with this full number (2026-000123), or None."""
    if len(number) > 16:
        return None
    return session.scalar(select(Ticket).where(Ticket.number == number))


def assign(
    session: Session,
    number: str,
    actor: workflow.Actor,
    now: datetime,
    *,
    technician_id: int | None = None,
    volunteer_id: int | None = None,
    note: str = "",
) -> Assigned:
    """Give ticket `number` to one technician or one volunteer (hotline.tickets.workflow.assign);
    the caller commits, then texts the technician (send_assignment) by the returned event."""
    ticket = find_ticket(session, number)
    if ticket is None:
        raise DispatchError(N_("no such ticket"))
    technician = None if technician_id is None else session.get(Technician, technician_id)
    if technician_id is not None and technician is None:
        raise DispatchError(N_("no such technician"))
    volunteer = None if volunteer_id is None else session.get(Volunteer, volunteer_id)
    if volunteer_id is not None and volunteer is None:
        raise DispatchError(N_("no such volunteer"))
    event = workflow.assign(
        session,
        ticket,
        actor,
        now,
        technician=technician,
        volunteer=volunteer,
        note=note.strip()[:NOTE_CHARS],
    )
    return Assigned(event.id, technician.id if technician else None)


def _dispatch_key(event_id: int) -> str:
    return f"dispatch:{event_id}"


def _still_current(session: Session, event: TicketEvent) -> bool:
    """The assignment has not been replaced by a later one, and the ticket is still open."""
    latest = session.scalar(
        select(func.max(TicketEvent.id)).where(
            TicketEvent.ticket_id == event.ticket_id, TicketEvent.kind == EventKind.ASSIGNED
        )
    )
    return latest == event.id and event.ticket.status in OPEN_STATUSES


def assignment_sms(ticket: Ticket, note: str, photos_url: str = "") -> str:
    """What the technician is sent: reference, category, community, address, note, commands,
    and the link to the ticket's photos when it has some."""
    short = note.strip()
    if len(short) > SMS_NOTE_CHARS:
        short = short[: SMS_NOTE_CHARS - 1] + "…"
    body = text(
        "sms.dispatch_assigned",
        ref=ticket.ref or ticket.number,
        category=ticket.category.name_zh if ticket.category else "—",
        community=ticket.community.name if ticket.community else "—",
        address=ticket.address or "—",
        note=short or "—",
    )
    return body + text("sms.dispatch_photos", url=photos_url) if photos_url else body


def send_assignment(
    session: Session,
    event_id: int,
    now: datetime,
    send_sms: outbox.SendSms,
    *,
    commit: Callable[[], None],
    photo_links: PhotoLinks | None = None,
) -> bool:
    """Text the technician of an assignment event, once; nothing if it was replaced since or
    went to a volunteer. With `photo_links`, a ticket with photos gets a signed link to them,
    working for the links' lifetime from `now`. True when sent now."""
    event = session.get(TicketEvent, event_id)
    if event is None or event.kind is not EventKind.ASSIGNED or event.field != "technician":
        return False
    ticket = event.ticket
    technician = ticket.technician
    if technician is None or not _still_current(session, event):
        return False
    photos_url = ""
    if photo_links is not None and has_photos(session, ticket.id):
        photos_url = photo_links.url(ticket.id, now)
    return outbox.deliver(
        session,
        key=_dispatch_key(event.id),
        kind=NotificationKind.DISPATCH,
        to=technician.mobile,
        body=assignment_sms(ticket, event.note, photos_url),
        due_at=event.at,
        now=now,
        send_sms=send_sms,
        commit=commit,
    )


def unsent_assignments(session: Session, now: datetime, window: timedelta) -> list[int]:
    """Technicians' assignment events of the last `window` with no SMS yet (its task was lost
    with the broker or a worker): the sweep sends them."""
    events = session.scalars(
        select(TicketEvent.id)
        .where(
            TicketEvent.kind == EventKind.ASSIGNED,
            TicketEvent.field == "technician",
            TicketEvent.at >= now - window,
            TicketEvent.at <= now - timedelta(minutes=1),
        )
        .order_by(TicketEvent.id)
        .limit(500)
    ).all()
    if not events:
        return []
    sent = set(
        session.scalars(
            select(Notification.key).where(Notification.key.in_([_dispatch_key(e) for e in events]))
        )
    )
    return [e for e in events if _dispatch_key(e) not in sent]


def send_decline(
    session: Session,
    event_id: int,
    now: datetime,
    send_sms: outbox.SendSms,
    *,
    commit: Callable[[], None],
    extra_numbers: Sequence[str] = (),
) -> int:
    """Tell supervisors a technician declined a ticket (its status event back to open), once
    per number; returns how many were sent now."""
    event = session.get(TicketEvent, event_id)
    if event is None or event.kind is not EventKind.STATUS or event.to_value != TicketStatus.OPEN:
        return 0
    ticket = event.ticket
    body = text(
        "sms.dispatch_declined",
        ref=ticket.ref or ticket.number,
        number=ticket.number,
        name=event.actor,
        note=event.note[:SMS_NOTE_CHARS] or "—",
    )
    return outbox.deliver_to_each(
        session,
        outbox.supervisor_numbers(session, extra_numbers),
        key=f"declined:{event.id}",
        kind=NotificationKind.DISPATCH,
        body=body,
        due_at=event.at,
        now=now,
        send_sms=send_sms,
        commit=commit,
    )
