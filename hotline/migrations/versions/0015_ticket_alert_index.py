"""tickets: an index on (status, sla_warned_at, sla_breached_at), so the count of open tickets
the clock has warned on or breached, in the header of every supervisor's page, reads only the
index's few alerted entries instead of every open ticket

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 21:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_ticket_sla_alerts"
COLUMNS = ["status", "sla_warned_at", "sla_breached_at"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(NAME, "ticket", COLUMNS)
        return
    # CONCURRENTLY: the ticket table keeps taking new calls' tickets while it builds.
    with op.get_context().autocommit_block():
        op.create_index(NAME, "ticket", COLUMNS, postgresql_concurrently=True, if_not_exists=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.drop_index(NAME, table_name="ticket")
        return
    with op.get_context().autocommit_block():
        op.drop_index(NAME, table_name="ticket", postgresql_concurrently=True, if_exists=True)
