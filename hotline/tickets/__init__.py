"""Tickets."""

from hotline.tickets.intake import (
    EMPTY_TRANSCRIPT_SUMMARY,
    SOURCE_BY_OUTCOME,
    SUMMARY_BY_SOURCE,
    SUMMARY_CHARS,
    attach_transcript,
    caller_community,
    next_number,
    open_for_call,
    settle_source,
    ticket_for_call,
)

__all__ = [
    "EMPTY_TRANSCRIPT_SUMMARY",
    "SOURCE_BY_OUTCOME",
    "SUMMARY_BY_SOURCE",
    "SUMMARY_CHARS",
    "attach_transcript",
    "caller_community",
    "next_number",
    "open_for_call",
    "settle_source",
    "ticket_for_call",
]
