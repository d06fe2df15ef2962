"""A ticket's life after it is opened: how its call ended, its transcript, whether it is late.

Once a ticket is open, only this module changes its source, summary and transcript.
"""

from __future__ import annotations

from datetime import datetime

from hotline.messaging import texts
from hotline.models import Call, CallOutcome, Recording, Ticket, TicketSource, TicketStatus

SOURCE_BY_OUTCOME = {
    CallOutcome.ANSWERED: TicketSource.ANSWERED,
    CallOutcome.ABANDONED: TicketSource.ABANDONED,
    CallOutcome.FAILED: TicketSource.FAILED,
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
            ticket.summary = texts.text(f"ticket.summary.{source.value}")


# Long enough to tell voicemails apart in a ticket list; the full text is on the ticket.
SUMMARY_CHARS = 80


def attach_transcript(ticket: Ticket, text: str) -> None:
    """Put a voicemail's transcript on its ticket: the full text, and its start as the summary."""
    ticket.transcript_text = text
    if not text:
        ticket.summary = texts.text("ticket.summary.transcript_empty")
    elif len(text) <= SUMMARY_CHARS:
        ticket.summary = text
    else:
        ticket.summary = text[: SUMMARY_CHARS - 1] + "…"


# Resolved and closed tickets have met their promise (or need none); only the rest can be late.
OPEN_STATUSES = frozenset({TicketStatus.OPEN, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS})


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    """Whether a ticket still open has passed its due time."""
    return ticket.status in OPEN_STATUSES and ticket.due_at < now
