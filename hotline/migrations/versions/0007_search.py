"""search: trigram indexes over transcripts, ticket summaries and ticket notes (pg_trgm GIN
indexes on PostgreSQL; FTS5 trigram tables kept in step by triggers on SQLite)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 18:10:00
"""

from collections.abc import Sequence

from alembic import op

from hotline.search import schema

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The DDL lives in hotline.search.schema so a later migration that rebuilds one of these
    # tables on SQLite can put the triggers back with the same call.
    schema.install(op.get_bind())


def downgrade() -> None:
    schema.drop(op.get_bind())
