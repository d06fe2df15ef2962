"""The talent pool: technicians who make free home visits, and the SMS they send the line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base, utcnow
from hotline.models.directory import Category, Community

technician_skill = Table(
    "technician_skill",
    Base.metadata,
    Column("technician_id", ForeignKey("technician.id"), primary_key=True),
    Column("category_id", ForeignKey("category.id"), primary_key=True),
)

technician_community = Table(
    "technician_community",
    Base.metadata,
    Column("technician_id", ForeignKey("technician.id"), primary_key=True),
    Column("community_id", ForeignKey("community.id"), primary_key=True),
)


class Technician(Base):
    """A member of the talent pool: skills are categories, and the communities they serve."""

    __tablename__ = "technician"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    mobile: Mapped[str] = mapped_column(String(32), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    skills: Mapped[list[Category]] = relationship(secondary=technician_skill)
    communities: Mapped[list[Community]] = relationship(secondary=technician_community)


class InboundSms(Base):
    """An SMS delivered to the line, kept by its SID so a carrier retry changes nothing twice."""

    __tablename__ = "inbound_sms"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_number: Mapped[str] = mapped_column(String(32), index=True)
    body: Mapped[str] = mapped_column(String(1600), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the line made of it (accepted, done, declined, rated, unknown, refused ...).
    outcome: Mapped[str] = mapped_column(String(32), default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    # The reply the line sent back, kept so a retried message gets the same answer.
    reply: Mapped[str] = mapped_column(String(1600), default="")
