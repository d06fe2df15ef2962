"""ticket list indexes: the list's order (urgent first, then newest), unfiltered and after each
filter (status, category, community, assigned volunteer), so its first pages come from an index
instead of sorting every ticket (bench/tickets.py)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 18:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As hotline.models.tickets.LIST_ORDER (written out: a migration does not follow the models).
ORDER = (
    "(\nCASE\n    WHEN priority = 'urgent' THEN 0\n    ELSE 1\nEND)",
    "created_at DESC",
    "id DESC",
)
INDEXES = {
    "ix_ticket_list": (),
    "ix_ticket_status_list": ("status",),
    "ix_ticket_category_list": ("category_id",),
    "ix_ticket_community_list": ("community_id",),
    "ix_ticket_volunteer_list": ("volunteer_id",),
}


def upgrade() -> None:
    # PostgreSQL only: SQLite compares the list's CASE with its bound parameters, which no
    # index matches. CONCURRENTLY: a large ticket table keeps taking new calls' tickets while
    # the indexes build (it cannot run inside a transaction).
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        for name, columns in INDEXES.items():
            op.create_index(
                name,
                "ticket",
                [sa.text(c) for c in (*columns, *ORDER)],
                postgresql_concurrently=True,
                if_not_exists=True,
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        for name in INDEXES:
            op.drop_index(name, table_name="ticket", postgresql_concurrently=True, if_exists=True)
