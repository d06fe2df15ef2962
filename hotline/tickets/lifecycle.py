"""A ticket's life after it is opened: how its call ended, its transcript, whether it is late.

Once a ticket is open, only this module changes its source, summary and transcript.
"""

from __future__ import annotations

from datetime import datetime

from hotline.models import Call, CallOutcome, Recording, Ticket, TicketSource, TicketStatus

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


# Resolved and closed tickets have met their promise (or need none); only the rest can be late.
OPEN_STATUSES = frozenset({TicketStatus.OPEN, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS})


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    """Whether a ticket still open has passed its due time."""
    return ticket.status in OPEN_STATUSES and ticket.due_at < now
