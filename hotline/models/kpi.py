"""KPI snapshots: a month's, quarter's or year's report as computed at a time, so the page
reads a stored report instead of passing over up to a year of tickets (hotline/kpi/snapshots.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base


class KpiSnapshot(Base):
    """One period's report (without the backlog, always counted live) as of `computed_at`."""

    __tablename__ = "kpi_snapshot"
    __table_args__ = (UniqueConstraint("kind", "first", "last", "promise_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    first: Mapped[date]
    last: Mapped[date]
    promise_days: Mapped[int]
    computed_at: Mapped[datetime]
    # The tallies, medians and breakdowns as JSON (hotline.kpi.snapshots writes and reads it).
    body: Mapped[str] = mapped_column(Text)
