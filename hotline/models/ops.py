"""Operational rows: the SMS outbox (one row per message, sent at most once) and the leases
that keep periodic jobs from overlapping."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, utcnow


class NotificationKind(enum.StrEnum):
    """Why the line texted someone."""

    REMINDER = "reminder"  # a volunteer's shift starts soon
    HANDOFF = "handoff"  # a primary shift starts now; carries the last shift's open tickets
    COVERAGE = "coverage"  # a supervisor is told of a coverage gap
    UNSTAFFED = "unstaffed"  # a supervisor is told a call found nobody on duty
    DISPATCH = "dispatch"  # a technician is sent a ticket, or a supervisor told of a decline
    CALLER = "caller"  # a resident is told their ticket's reference or status
    SLA = "sla"  # supervisors are told a ticket nears or passed its promised time
    SURVEY = "survey"  # a resident is asked how satisfied they are after resolution
    TRIAGE = "triage"  # a voicemail's urgent triage alerts the on-duty volunteer and supervisors
    VERIFICATION = "verification"  # a resident's one-time code for the public page


class NotificationStatus(enum.StrEnum):
    """Delivery of one SMS."""

    SENDING = "sending"  # claimed and handed to the carrier; stays so if the worker died meanwhile
    SENT = "sent"  # the carrier accepted it
    FAILED = "failed"  # the carrier refused it; retried by later sweeps while still due


class Notification(Base):
    """One keyed SMS (a reminder, a handoff, an alert), due at `due_at`; the unique `key` makes
    every message go out at most once."""

    # The table keeps its first name: the rota was its first user.
    __tablename__ = "rota_notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[NotificationKind]
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer.id"))
    to_number: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[NotificationStatus] = mapped_column(default=NotificationStatus.SENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    message_sid: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class SweepLock(Base):
    """A lease held by a periodic job so two runs never overlap (works on SQLite and PostgreSQL)."""

    __tablename__ = "sweep_lock"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


class Heartbeat(Base):
    """The last sign of life of a process (a worker, beat): what /readyz reports."""

    __tablename__ = "heartbeat"

    # e.g. "worker@host:1234" or "beat"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), index=True)
    seen_at: Mapped[datetime]
    # Whether a speech model is loaded in this worker, and its language ("" when none).
    model_loaded: Mapped[bool] = mapped_column(default=False)
    model_language: Mapped[str] = mapped_column(String(16), default="")
