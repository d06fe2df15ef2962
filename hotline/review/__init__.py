"""What supervisors and volunteers review: who sees what (`scope`), calls (`call_review`),
tickets (`ticket_review`) and voicemails (`voicemail`: the review queue, the player's timed
words, corrections as versions, marking reviewed)."""

from hotline.review import voicemail
from hotline.review.call_review import (
    EVENT_PARAMS,
    CallDetail,
    CallRow,
    ChainLink,
    EventRow,
    PathStep,
    RecordingView,
    call_detail,
    call_events,
    list_calls,
    path_steps,
)
from hotline.review.scope import PER_PAGE, NotVisible, Page, Scope
from hotline.review.ticket_review import (
    TicketDetail,
    TicketFilter,
    TimelineEntry,
    filter_choices,
    list_tickets,
    ticket_detail,
    timeline,
    visible_ticket,
)

__all__ = [
    "EVENT_PARAMS",
    "PER_PAGE",
    "CallDetail",
    "CallRow",
    "ChainLink",
    "EventRow",
    "NotVisible",
    "Page",
    "PathStep",
    "RecordingView",
    "Scope",
    "TicketDetail",
    "TicketFilter",
    "TimelineEntry",
    "call_detail",
    "call_events",
    "filter_choices",
    "list_calls",
    "list_tickets",
    "path_steps",
    "ticket_detail",
    "timeline",
    "visible_ticket",
    "voicemail",
]
