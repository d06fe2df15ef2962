"""KPI snapshots: each month's, quarter's and year's report stored by a beat job, so the KPI
page reads it instead of passing over up to a year of tickets (bench/tickets.py, "KPI" rows)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kpi_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("first", sa.Date(), nullable=False),
        sa.Column("last", sa.Date(), nullable=False),
        sa.Column("promise_days", sa.Integer(), nullable=False),
        sa.Column("computed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_snapshot")),
        sa.UniqueConstraint(
            "kind", "first", "last", "promise_days", name=op.f("uq_kpi_snapshot_kind")
        ),
    )


def downgrade() -> None:
    op.drop_table("kpi_snapshot")
