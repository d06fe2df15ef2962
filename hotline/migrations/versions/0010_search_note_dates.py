"""search: indexes on the dates of ticket notes (only events that carry a note) and of tickets
without a transcript (whose summary is searched), so a search of one- and two-character words
reads its window's notes and summaries instead of every note or every ticket of the window

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 19:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name: (table, column, where)
INDEXES = {
    "ix_ticket_event_note_at": ("ticket_event", "at", "note <> ''"),
    "ix_ticket_summary_created_at": ("ticket", "created_at", "transcript_text = ''"),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for name, (table, column, where) in INDEXES.items():
            op.create_index(name, table, [column], sqlite_where=sa.text(where))
        return
    # CONCURRENTLY: the tables keep taking writes while they build.
    with op.get_context().autocommit_block():
        for name, (table, column, where) in INDEXES.items():
            op.create_index(
                name,
                table,
                [column],
                postgresql_where=sa.text(where),
                postgresql_concurrently=True,
                if_not_exists=True,
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for name, (table, _, _) in INDEXES.items():
            op.drop_index(name, table_name=table)
        return
    with op.get_context().autocommit_block():
        for name, (table, _, _) in INDEXES.items():
            op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
