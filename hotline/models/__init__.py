"""All models, re-exported: `from hotline.models import Call`; Alembic sees every table."""

from hotline.models.calls import Call, CallEvent, CallOutcome
from hotline.models.directory import Category, Community, Role, Team, User, Volunteer
from hotline.models.recordings import Recording, RecordingStatus, Transcript
from hotline.models.rota import Shift
from hotline.models.tickets import Priority, Ticket, TicketCounter, TicketSource, TicketStatus

__all__ = [
    "Call",
    "CallEvent",
    "CallOutcome",
    "Category",
    "Community",
    "Priority",
    "Recording",
    "RecordingStatus",
    "Role",
    "Shift",
    "Team",
    "Ticket",
    "TicketCounter",
    "TicketSource",
    "TicketStatus",
    "Transcript",
    "User",
    "Volunteer",
]
