"""search: an index on (community_id, status, created_at), so a search filtered by a community
and a status reads that community's tickets in that status newest first (and counts them)
instead of walking every ticket newest first or intersecting a common word's trigram bitmap

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 19:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_ticket_community_status_created_at"
COLUMNS = ["community_id", "status", "created_at"]


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
