"""Tickets: every call becomes one, numbered per year for residents to quote."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base, utcnow
from hotline.models.calls import Call
from hotline.models.directory import Category, Community
from hotline.models.recordings import Recording


class TicketStatus(enum.StrEnum):
    """Life of a ticket; only hotline.tickets changes it."""

    OPEN = "open"  # nobody has taken it yet
    ASSIGNED = "assigned"  # a technician or volunteer owns it
    IN_PROGRESS = "in_progress"  # work started (visit booked or under way)
    RESOLVED = "resolved"  # the issue is fixed; counts toward the 3-day KPI
    CLOSED = "closed"  # nothing to do (duplicate, wrong number)


class TicketSource(enum.StrEnum):
    """How the call that opened the ticket ended."""

    ANSWERED = "answered"  # a volunteer spoke with the caller
    VOICEMAIL = "voicemail"  # the caller left a message
    VOICEMAIL_EMPTY = "voicemail_empty"  # voicemail reached but nothing recorded: call back
    ABANDONED = "abandoned"  # the caller hung up in the menu: call back
    FAILED = "failed"  # the call broke: call back


class Priority(enum.StrEnum):
    """Urgent tickets (lock-outs, leaks) go to the top of every list."""

    NORMAL = "normal"
    URGENT = "urgent"


class TicketCounter(Base):
    """Last ticket number issued in a year; bumped atomically with UPDATE ... RETURNING."""

    __tablename__ = "ticket_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Ticket(Base):
    """A resident's issue, opened by a call (at most one ticket per call)."""

    __tablename__ = "ticket"
    __table_args__ = (UniqueConstraint("year", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id"), unique=True)
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("recording.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    priority: Mapped[Priority] = mapped_column(default=Priority.NORMAL)
    status: Mapped[TicketStatus] = mapped_column(default=TicketStatus.OPEN, index=True)
    source: Mapped[TicketSource | None]
    caller_number: Mapped[str] = mapped_column(String(32), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    transcript_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    due_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]

    call: Mapped[Call | None] = relationship()
    recording: Mapped[Recording | None] = relationship()
    category: Mapped[Category | None] = relationship()
    community: Mapped[Community | None] = relationship()
