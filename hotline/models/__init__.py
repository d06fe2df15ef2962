"""All models, re-exported: `from hotline.models import Call`; Alembic sees every table."""

from hotline.models.calls import Call, CallEvent, CallOutcome
from hotline.models.directory import Category, Community, Role, Team, User, Volunteer
from hotline.models.ops import Notification, NotificationKind, NotificationStatus, SweepLock
from hotline.models.recordings import Recording, RecordingStatus, Transcript
from hotline.models.rota import (
    CalendarFeed,
    CoverageAlert,
    Leave,
    Override,
    Rotation,
    RotationMember,
    SwapRequest,
    SwapStatus,
)
from hotline.models.tickets import Priority, Ticket, TicketCounter, TicketSource, TicketStatus

__all__ = [
    "CalendarFeed",
    "Call",
    "CallEvent",
    "CallOutcome",
    "Category",
    "Community",
    "CoverageAlert",
    "Leave",
    "Notification",
    "NotificationKind",
    "NotificationStatus",
    "Override",
    "Priority",
    "Recording",
    "RecordingStatus",
    "Role",
    "Rotation",
    "RotationMember",
    "SwapRequest",
    "SwapStatus",
    "SweepLock",
    "Team",
    "Ticket",
    "TicketCounter",
    "TicketSource",
    "TicketStatus",
    "Transcript",
    "User",
    "Volunteer",
]
