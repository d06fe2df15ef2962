"""recording lease: who holds a recording's transcription and until when

The lease used to be inferred from `updated_at`, which every write moves (re-queueing
included), so an abandoned claim looked alive for ever. Rows `transcribing` when this runs
get no lease, which the job reads as expired: their workers are gone after a deploy.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 15:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_holder', sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column('lease_expires_at', hotline.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.drop_column('lease_expires_at')
        batch_op.drop_column('lease_holder')
