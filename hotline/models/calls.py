"""Calls and the append-only log of every webhook received for them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, utcnow


class CallOutcome(enum.StrEnum):
    """How a call ended, from the resident's point of view."""

    IN_PROGRESS = "in_progress"  # still on the line
    ANSWERED = "answered"  # a volunteer accepted it
    VOICEMAIL = "voicemail"  # the caller left a message (possibly empty)
    ABANDONED = "abandoned"  # the caller hung up before a person or voicemail
    FAILED = "failed"  # the carrier could not connect it, or we broke


class Call(Base):
    """One phone call to the line, keyed by the carrier's call SID."""

    __tablename__ = "call"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_number: Mapped[str] = mapped_column(String(32), default="")
    to_number: Mapped[str] = mapped_column(String(32), default="")
    direction: Mapped[str] = mapped_column(String(24), default="inbound")
    # The carrier's CallStatus as last reported (ringing, in-progress, completed...).
    carrier_status: Mapped[str] = mapped_column(String(24), default="ringing")
    outcome: Mapped[CallOutcome] = mapped_column(default=CallOutcome.IN_PROGRESS, index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None]
    duration_s: Mapped[int | None]
    flow_id: Mapped[str] = mapped_column(String(64), default="")
    flow_version: Mapped[int] = mapped_column(default=0)
    node_id: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str] = mapped_column(String(8), default="zh")
    # Failed tries at the current menu (invalid or no input); reset on a valid choice.
    attempts: Mapped[int] = mapped_column(default=0)
    # Bumped at every menu answer; webhooks carry it so a redelivered one is recognised.
    step: Mapped[int] = mapped_column(default=0)
    # [{"node": ..., "input": ..., "at": iso}] in order: the IVR path the caller took.
    path: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    category_code: Mapped[str | None] = mapped_column(String(32))
    # On-duty chain snapshotted when forwarding starts:
    # [{"volunteer_id", "name", "number", "layer"}].
    chain: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Index into `chain` of the volunteer being dialled; -1 before the hunt.
    dial_index: Mapped[int] = mapped_column(default=-1)
    hunt_started_at: Mapped[datetime | None]
    # Index into `chain` of the volunteer who pressed 1 to accept, if one did.
    accepted_index: Mapped[int | None]
    voicemail_started_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer.id"))
    error_reason: Mapped[str | None] = mapped_column(String(255))


class CallEvent(Base):
    """One webhook as received; `dedupe_key` makes redelivery a no-op."""

    __tablename__ = "call_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, str]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
