"""ticket dispatch indexes: a technician's tickets by status (their open load, counted for every
technician on the ticket page's assign panel) and short references with their status and
technician (the SMS webhook's lookup of the ticket a technician names), so neither reads a
technician's or a reference's every ticket from the table (bench/tickets.py)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 19:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_ticket_technician_status": ["technician_id", "status"],
    "ix_ticket_ref_status": ["ref", "status", "technician_id"],
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for name, columns in INDEXES.items():
            op.create_index(name, "ticket", columns)
        return
    # CONCURRENTLY: the ticket table keeps taking new calls' tickets while they build.
    with op.get_context().autocommit_block():
        for name, columns in INDEXES.items():
            op.create_index(
                name, "ticket", columns, postgresql_concurrently=True, if_not_exists=True
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for name in INDEXES:
            op.drop_index(name, table_name="ticket")
        return
    with op.get_context().autocommit_block():
        for name in INDEXES:
            op.drop_index(name, table_name="ticket", postgresql_concurrently=True, if_exists=True)
