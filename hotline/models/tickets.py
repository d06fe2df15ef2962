"""Tickets: every call becomes one, numbered per year for residents to quote."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base, utcnow
from hotline.models.calls import Call
from hotline.models.directory import Category, Community, User, Volunteer
from hotline.models.dispatch import Technician
from hotline.models.recordings import Recording

# Kept in step with hotline.tickets.lifecycle.OPEN_STATUSES (a test checks).
OPEN_REF_WHERE = "ref IS NOT NULL AND status IN ('open', 'assigned', 'in_progress')"
# The ticket list's order (hotline.review.ticket_review: urgent first, then newest). PostgreSQL
# plans the list with its CASE's parameters folded in, which matches these indexes (migration
# 0008, PostgreSQL only), so a page comes off an index instead of a sort of every ticket. The
# CASE is laid out as PostgreSQL prints it back, so the models comparison sees no change.
LIST_ORDER = (
    text("(\nCASE\n    WHEN priority = 'urgent' THEN 0\n    ELSE 1\nEND)"),
    text("created_at DESC"),
    text("id DESC"),
)


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
    WEB = "web"  # a resident filed it on the public web page


class Priority(enum.StrEnum):
    """Urgent tickets (lock-outs, leaks) go to the top of every list."""

    NORMAL = "normal"
    URGENT = "urgent"


class TicketCounter(Base):
    """Last ticket number issued in a year; bumped atomically with UPDATE ... RETURNING."""

    __tablename__ = "ticket_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


# Every column the KPI's pass reads besides created_at (hotline/kpi/metrics.py).
KPI_COLUMNS = (
    "status",
    "resolved_at",
    "satisfaction",
    "community_id",
    "category_id",
    "technician_id",
)


class Ticket(Base):
    """A resident's issue, opened by a call (at most one ticket per call)."""

    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        # A short reference is unique only among tickets still being worked.
        Index(
            "uq_ticket_open_ref",
            "ref",
            unique=True,
            sqlite_where=text(OPEN_REF_WHERE),
            postgresql_where=text(OPEN_REF_WHERE),
        ),
        # The list, unfiltered and by each filter, in its order.
        Index("ix_ticket_list", *LIST_ORDER),
        Index("ix_ticket_status_list", "status", *LIST_ORDER),
        Index("ix_ticket_category_list", "category_id", *LIST_ORDER),
        Index("ix_ticket_community_list", "community_id", *LIST_ORDER),
        Index("ix_ticket_volunteer_list", "volunteer_id", *LIST_ORDER),
        # A technician's open load (hotline.dispatch.technicians) and the ticket a technician
        # names by its short reference in an SMS (hotline.dispatch.sms.find_for).
        Index("ix_ticket_technician_status", "technician_id", "status"),
        Index("ix_ticket_ref_status", "ref", "status", "technician_id"),
        # The header's count of open tickets the clock alerted on (hotline.tickets.clock),
        # read from the index alone instead of every open ticket.
        Index("ix_ticket_sla_alerts", "status", "sla_warned_at", "sla_breached_at"),
        # Search filtered by a community and a status, newest first (hotline.search.query).
        Index("ix_ticket_community_status_created_at", "community_id", "status", "created_at"),
        # Search's window over summaries (hotline.search.query): tickets without a transcript.
        Index(
            "ix_ticket_summary_created_at",
            "created_at",
            sqlite_where=text("transcript_text = ''"),
            postgresql_where=text("transcript_text = ''"),
        ),
        # The KPI's pass over a period, index-only on PostgreSQL (hotline/kpi/metrics.py).
        Index("ix_ticket_kpi", "created_at", postgresql_include=list(KPI_COLUMNS)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    # The reference a person says and types: a few digits, unique among open tickets.
    ref: Mapped[str | None] = mapped_column(String(8), index=True)
    year: Mapped[int]
    seq: Mapped[int]
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id"), unique=True)
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("recording.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    priority: Mapped[Priority] = mapped_column(default=Priority.NORMAL)
    status: Mapped[TicketStatus] = mapped_column(default=TicketStatus.OPEN, index=True)
    source: Mapped[TicketSource | None]
    caller_number: Mapped[str] = mapped_column(String(32), default="", index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technician.id"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer.id"), index=True)
    summary: Mapped[str] = mapped_column(String(500), default="")
    transcript_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    due_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The clock's alerts, each sent once: set by the sweep that sends it.
    sla_warned_at: Mapped[datetime | None]
    sla_breached_at: Mapped[datetime | None]
    # The resident's satisfaction (1-5) after resolution, asked once.
    survey_sent_at: Mapped[datetime | None]
    satisfaction: Mapped[int | None]
    rated_at: Mapped[datetime | None]
    # The technician's promised arrival window, shown to the resident when set.
    visit_from: Mapped[datetime | None]
    visit_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    call: Mapped[Call | None] = relationship()
    recording: Mapped[Recording | None] = relationship()
    category: Mapped[Category | None] = relationship()
    community: Mapped[Community | None] = relationship()
    resident: Mapped[Resident | None] = relationship()
    technician: Mapped[Technician | None] = relationship()
    volunteer: Mapped[Volunteer | None] = relationship()
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id"
    )


class EventKind(enum.StrEnum):
    """What a ticket event records."""

    CREATED = "created"  # the ticket was opened
    STATUS = "status"  # from_value -> to_value
    FIELD = "field"  # a detail changed: field names it (community, address, category, ...)
    ASSIGNED = "assigned"  # to_value names the technician or volunteer
    NOTE = "note"  # a note, nothing else changed
    CALLBACK = "callback"  # a call back through the line
    SMS = "sms"  # a message to or from someone about the ticket
    SLA = "sla"  # the clock's warning or breach
    RATED = "rated"  # the resident's satisfaction score
    PHOTO = "photo"  # a photo was added; actor names who added it


class TicketEvent(Base):
    """One change to a ticket: who, when, from, to and a note. Shown as the ticket's timeline."""

    __tablename__ = "ticket_event"
    __table_args__ = (
        # Search's window over notes (hotline.search.query): only events that carry a note.
        Index(
            "ix_ticket_event_note_at",
            "at",
            sqlite_where=text("note <> ''"),
            postgresql_where=text("note <> ''"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[EventKind]
    # Who did it: a dashboard user, or a name (a technician by SMS, "system" for sweeps).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(100), default="")
    field: Mapped[str] = mapped_column(String(32), default="")
    from_value: Mapped[str] = mapped_column(String(200), default="")
    to_value: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()


class Resident(Base):
    """A caller's number, remembered with where they live so the next call arrives filled in."""

    __tablename__ = "resident"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    address: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    community: Mapped[Community | None] = relationship()


class CallbackStatus(enum.StrEnum):
    """A call back through the line: the agent's leg first, then the resident bridged in."""

    REQUESTED = "requested"  # asked for; the carrier has not been called yet
    DIALING = "dialing"  # the carrier is ringing the agent
    BRIDGED = "bridged"  # the agent answered and the resident is being dialled
    COMPLETED = "completed"  # the bridge ended normally
    FAILED = "failed"  # the agent or the resident never came on the line; see detail


class Callback(Base):
    """A call back to a resident: the line rings the agent, then bridges the resident in.

    Neither side sees the other's number: both legs show the hotline's number.
    """

    __tablename__ = "callback"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    agent_number: Mapped[str] = mapped_column(String(32))
    resident_number: Mapped[str] = mapped_column(String(32))
    status: Mapped[CallbackStatus] = mapped_column(default=CallbackStatus.REQUESTED)
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    detail: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    ticket: Mapped[Ticket] = relationship()


class TicketPhoto(Base):
    """A photo attached to a ticket, re-encoded on arrival (no metadata); the file lives beside
    the recordings under `path`, relative to the recordings directory."""

    __tablename__ = "ticket_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # Who added it: "resident" from the public page, or a dashboard username.
    added_by: Mapped[str] = mapped_column(String(64), default="resident")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
