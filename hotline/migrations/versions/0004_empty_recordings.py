"""data: recordings the carrier reported without audio become `empty`

They used to stay `awaiting_download` for ever, though no job would ever fetch them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 16:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE recording SET status = 'empty'"
        " WHERE status = 'awaiting_download'"
        " AND (carrier_status <> 'completed' OR duration_s <= 0)"
    )


def downgrade() -> None:
    op.execute("UPDATE recording SET status = 'awaiting_download' WHERE status = 'empty'")
