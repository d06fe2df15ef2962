"""The rota: rotations on layers, overrides, leave, swaps, coverage alerts and calendar feeds.

Nothing here stores materialised hours: who is on duty is computed from rotations, overrides
and leave by hotline.rota.
"""

from __future__ import annotations

import enum
from datetime import datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base, utcnow
from hotline.models.directory import Volunteer


class Rotation(Base):
    """Volunteers taking turns on one layer (1 = primary, 2 = first backup...), in local wall time.

    Turns of `shift_hours` hand off at `handoff_time` in `timezone`; the first member is on duty
    at `starts_at`. An optional restriction (weekdays and/or hours of the day, in local time)
    limits when the rotation applies, e.g. nights only; turns keep counting outside it.
    """

    __tablename__ = "rotation"
    __table_args__ = (
        CheckConstraint("layer >= 1", name="layer_positive"),
        CheckConstraint("shift_hours >= 1", name="shift_positive"),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("weekdays IS NULL OR (weekdays >= 1 AND weekdays <= 127)", name="weekdays"),
        CheckConstraint("(hours_from IS NULL) = (hours_to IS NULL)", name="hours_paired"),
        Index("ix_rotation_window", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    layer: Mapped[int] = mapped_column(default=1)
    shift_hours: Mapped[int] = mapped_column(default=24)
    handoff_time: Mapped[time] = mapped_column(default=time(8, 0))
    starts_at: Mapped[datetime]
    # Open-ended when null; a supervisor replacing a rotation ends the old one (history kept).
    ends_at: Mapped[datetime | None]
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # Bit 0 = Monday ... bit 6 = Sunday; null = every day.
    weekdays: Mapped[int | None]
    # Local hours the rotation applies; hours_to <= hours_from wraps past midnight (20:00-08:00).
    hours_from: Mapped[time | None]
    hours_to: Mapped[time | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    members: Mapped[list[RotationMember]] = relationship(
        back_populates="rotation",
        order_by="RotationMember.position",
        cascade="all, delete-orphan",
    )


class RotationMember(Base):
    """A volunteer's place in a rotation's order; positions run 0..n-1 without holes."""

    __tablename__ = "rotation_member"
    __table_args__ = (UniqueConstraint("rotation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(ForeignKey("rotation.id", ondelete="CASCADE"))
    position: Mapped[int]
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)

    rotation: Mapped[Rotation] = relationship(back_populates="members")
    volunteer: Mapped[Volunteer] = relationship()


class Override(Base):
    """A volunteer covers a layer for a window; beats the rotations of that layer while it lasts."""

    __tablename__ = "rota_override"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("layer >= 1", name="layer_positive"),
        Index("ix_rota_override_window", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    layer: Mapped[int] = mapped_column(default=1)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)
    # Whose turn it was, when the override covers someone (swaps always set it).
    replaced_volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Cancelled overrides stay as history and no longer count.
    cancelled_at: Mapped[datetime | None]

    volunteer: Mapped[Volunteer] = relationship(foreign_keys=[volunteer_id])
    replaced_volunteer: Mapped[Volunteer | None] = relationship(
        foreign_keys=[replaced_volunteer_id]
    )


class Leave(Base):
    """A period a volunteer cannot take calls (holiday, illness); removes them from the chain."""

    __tablename__ = "rota_leave"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_rota_leave_volunteer_window", "volunteer_id", "starts_at", "ends_at"),
        Index("ix_rota_leave_window", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    volunteer: Mapped[Volunteer] = relationship()


class SwapStatus(enum.StrEnum):
    """Where a swap request is; every request is kept as history."""

    OFFERED = "offered"  # the volunteer gives the window away; anyone may take it
    TAKEN = "taken"  # another volunteer took it; waiting for a supervisor
    APPROVED = "approved"  # an override now puts the taker on duty
    REJECTED = "rejected"  # a supervisor refused the swap; the offerer keeps the shift
    CANCELLED = "cancelled"  # withdrawn before it happened (and its override cancelled)


class SwapRequest(Base):
    """Volunteer A offers a window of their shift; B takes it; the result is an override."""

    __tablename__ = "swap_request"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_swap_request_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    layer: Mapped[int] = mapped_column(default=1)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    offered_by_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer.id"))
    status: Mapped[SwapStatus] = mapped_column(default=SwapStatus.OFFERED)
    note: Mapped[str] = mapped_column(String(200), default="")
    override_id: Mapped[int | None] = mapped_column(ForeignKey("rota_override.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    taken_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    offered_by: Mapped[Volunteer] = relationship(foreign_keys=[offered_by_id])
    taken_by: Mapped[Volunteer | None] = relationship(foreign_keys=[taken_by_id])
    override: Mapped[Override | None] = relationship()


class CoverageAlert(Base):
    """A coverage gap (nobody on layer 1) found ahead of time; the dashboard lists open ones."""

    __tablename__ = "coverage_alert"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        UniqueConstraint("starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when a later check finds the gap filled, or once it has passed.
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)


class CalendarFeed(Base):
    """The secret token in a volunteer's iCal feed URL; replacing it revokes old subscriptions."""

    __tablename__ = "calendar_feed"

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
