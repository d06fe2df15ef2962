"""KPI covering index: the tickets created in a period with every column the KPI's pass reads,
so PostgreSQL answers it by an index-only scan instead of visiting a third of the table's heap
for a year (bench/tickets.py, "KPI" rows)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 19:25:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As hotline.models.tickets.KPI_COLUMNS (written out: a migration does not follow the models).
INCLUDE = [
    "status",
    "resolved_at",
    "satisfaction",
    "community_id",
    "category_id",
    "technician_id",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        # SQLite has no INCLUDE: the same index on created_at alone (the models declare one).
        op.create_index("ix_ticket_kpi", "ticket", ["created_at"])
        return
    # CONCURRENTLY: a large ticket table keeps taking new calls' tickets while it builds.
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_ticket_kpi",
            "ticket",
            ["created_at"],
            postgresql_include=INCLUDE,
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.drop_index("ix_ticket_kpi", table_name="ticket")
        return
    with op.get_context().autocommit_block():
        op.drop_index(
            "ix_ticket_kpi", table_name="ticket", postgresql_concurrently=True, if_exists=True
        )
