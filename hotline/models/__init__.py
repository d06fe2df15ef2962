"""All models, re-exported: `from hotline.models import Call`; Alembic sees every table."""

from hotline.models.calls import Call, CallEvent, CallOutcome
from hotline.models.directory import Category, Community, Role, Team, User, Volunteer
from hotline.models.recordings import Recording, RecordingStatus, Transcript
from hotline.models.rota import (
    CalendarFeed,
    CoverageAlert,
    Leave,
    NotificationKind,
    NotificationStatus,
    Override,
    RotaNotification,
    Rotation,
    RotationMember,
    SwapRequest,
    SwapStatus,
    SweepLock,
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
    "NotificationKind",
    "NotificationStatus",
    "Override",
    "Priority",
    "Recording",
    "RecordingStatus",
    "Role",
    "RotaNotification",
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
