"""Who is on duty: shifts in escalation order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base
from hotline.models.directory import Volunteer


class Shift(Base):
    """A volunteer on duty from `starts_at` to `ends_at` on a layer (1 = primary, 2 = backup...)."""

    __tablename__ = "shift"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_shift_window", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    layer: Mapped[int] = mapped_column(default=1)

    volunteer: Mapped[Volunteer] = relationship()
