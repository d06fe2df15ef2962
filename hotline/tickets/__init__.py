"""Tickets: `intake` opens and numbers them, `lifecycle` settles what happens to them next."""

from hotline.tickets.intake import (
    CATEGORIES,
    caller_community,
    ensure_categories,
    next_number,
    offered_categories,
    open_for_call,
    seed_categories,
    ticket_for_call,
)
from hotline.tickets.lifecycle import (
    OPEN_STATUSES,
    SOURCE_BY_OUTCOME,
    SUMMARY_CHARS,
    attach_transcript,
    is_overdue,
    settle_source,
)

__all__ = [
    "CATEGORIES",
    "OPEN_STATUSES",
    "SOURCE_BY_OUTCOME",
    "SUMMARY_CHARS",
    "attach_transcript",
    "caller_community",
    "ensure_categories",
    "is_overdue",
    "next_number",
    "offered_categories",
    "open_for_call",
    "seed_categories",
    "settle_source",
    "ticket_for_call",
]
