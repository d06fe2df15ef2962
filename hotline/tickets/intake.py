"""Tickets: opening one per call, numbering, and every status change (the only place it changes)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.db import upsert
from hotline.models import (
    Call,
    CallOutcome,
    Category,
    Community,
    Priority,
    Recording,
    Ticket,
    TicketCounter,
    TicketSource,
)


def next_number(session: Session, year: int) -> tuple[int, str]:
    """Atomically take the next sequence number of `year`: (seq, "2026-000123")."""
    stmt = (
        upsert(session, TicketCounter)
        .values(year=year, last=1)
        .on_conflict_do_update(
            index_elements=[TicketCounter.year], set_={"last": TicketCounter.last + 1}
        )
        .returning(TicketCounter.last)
    )
    seq = session.execute(stmt).scalar_one()
    return seq, f"{year}-{seq:06d}"


def ticket_for_call(session: Session, call: Call) -> Ticket | None:
    """The ticket a call opened, if any."""
    return session.scalars(select(Ticket).where(Ticket.call_id == call.id)).one_or_none()


def caller_community(session: Session, call: Call) -> Community | None:
    """The community of the call's ticket, else of the caller's most recent ticket that has one."""
    return session.scalars(
        select(Community)
        .join(Ticket, Ticket.community_id == Community.id)
        .where(or_(Ticket.call_id == call.id, Ticket.caller_number == call.from_number))
        .order_by((Ticket.call_id == call.id).desc(), Ticket.created_at.desc())
        .limit(1)
    ).first()


def open_for_call(
    session: Session, call: Call, *, now: datetime, timezone: str, sla_hours: int
) -> Ticket:
    """The call's ticket, opened now if it has none (never a second one)."""
    existing = ticket_for_call(session, call)
    if existing is not None:
        return existing
    category = (
        session.scalars(select(Category).where(Category.code == call.category_code)).one_or_none()
        if call.category_code
        else None
    )
    year = now.astimezone(ZoneInfo(timezone)).year
    seq, number = next_number(session, year)
    ticket = Ticket(
        number=number,
        year=year,
        seq=seq,
        call_id=call.id,
        category_id=category.id if category else None,
        priority=Priority.URGENT if category and category.urgent else Priority.NORMAL,
        caller_number=call.from_number,
        created_at=now,
        due_at=now + timedelta(hours=sla_hours),
    )
    session.add(ticket)
    session.flush()
    return ticket


SOURCE_BY_OUTCOME = {
    CallOutcome.ANSWERED: TicketSource.ANSWERED,
    CallOutcome.ABANDONED: TicketSource.ABANDONED,
    CallOutcome.FAILED: TicketSource.FAILED,
}

SUMMARY_BY_SOURCE = {
    TicketSource.ANSWERED: "志愿者已接听",
    TicketSource.VOICEMAIL: "居民留言，等待转写",
    TicketSource.VOICEMAIL_EMPTY: "留言为空，请回电",
    TicketSource.ABANDONED: "来电在菜单中挂断，请回电",
    TicketSource.FAILED: "来电未接通，请回电",
}


def settle_source(ticket: Ticket, call: Call, voicemail: Recording | None) -> None:
    """Derive how the call ended onto its ticket; the same facts give the same result, any order."""
    if call.outcome is CallOutcome.VOICEMAIL:
        source = TicketSource.VOICEMAIL if voicemail is not None else TicketSource.VOICEMAIL_EMPTY
        ticket.recording_id = voicemail.id if voicemail is not None else None
    elif call.outcome in SOURCE_BY_OUTCOME:
        source = SOURCE_BY_OUTCOME[call.outcome]
    else:
        return
    if ticket.source is not source:
        ticket.source = source
        if not ticket.transcript_text:
            ticket.summary = SUMMARY_BY_SOURCE[source]


# Long enough to tell voicemails apart in a ticket list; the full text is on the ticket.
SUMMARY_CHARS = 80
EMPTY_TRANSCRIPT_SUMMARY = "留言无可识别语音，请回电"


def attach_transcript(ticket: Ticket, text: str) -> None:
    """Put a voicemail's transcript on its ticket: the full text, and its start as the summary."""
    ticket.transcript_text = text
    if not text:
        ticket.summary = EMPTY_TRANSCRIPT_SUMMARY
    elif len(text) <= SUMMARY_CHARS:
        ticket.summary = text
    else:
        ticket.summary = text[: SUMMARY_CHARS - 1] + "…"
