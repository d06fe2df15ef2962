"""All models, re-exported: `from hotline.models import Call`; Alembic sees every table."""

from hotline.models.audit import AuditEntry
from hotline.models.calls import Call, CallEvent, CallOutcome
from hotline.models.directory import Category, Community, Role, Team, User, Volunteer
from hotline.models.dispatch import InboundSms, Technician, technician_community, technician_skill
from hotline.models.kpi import KpiSnapshot
from hotline.models.online import BlockedNumber, VerificationCode
from hotline.models.ops import (
    Heartbeat,
    Notification,
    NotificationKind,
    NotificationStatus,
    SweepLock,
)
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
from hotline.models.tickets import (
    Callback,
    CallbackStatus,
    EventKind,
    Priority,
    Resident,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketPhoto,
    TicketSource,
    TicketStatus,
)

__all__ = [
    "AuditEntry",
    "BlockedNumber",
    "CalendarFeed",
    "Call",
    "CallEvent",
    "CallOutcome",
    "Callback",
    "CallbackStatus",
    "Category",
    "Community",
    "CoverageAlert",
    "EventKind",
    "Heartbeat",
    "InboundSms",
    "KpiSnapshot",
    "Leave",
    "Notification",
    "NotificationKind",
    "NotificationStatus",
    "Override",
    "Priority",
    "Recording",
    "RecordingStatus",
    "Resident",
    "Role",
    "Rotation",
    "RotationMember",
    "SwapRequest",
    "SwapStatus",
    "SweepLock",
    "Team",
    "Technician",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "TicketPhoto",
    "TicketSource",
    "TicketStatus",
    "Transcript",
    "User",
    "VerificationCode",
    "Volunteer",
    "technician_community",
    "technician_skill",
]
