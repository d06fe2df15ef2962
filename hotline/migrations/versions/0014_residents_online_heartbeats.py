"""residents online (one-time SMS codes, blocked numbers, ticket photos, the visit window),
process heartbeats for /readyz, and retired categories

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 20:50:30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "heartbeat",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("seen_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("model_loaded", sa.Boolean(), nullable=False),
        sa.Column("model_language", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_heartbeat")),
    )
    with op.batch_alter_table("heartbeat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_heartbeat_role"), ["role"], unique=False)

    op.create_table(
        "verification_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_code")),
    )
    with op.batch_alter_table("verification_code", schema=None) as batch_op:
        batch_op.create_index(
            "ix_verification_code_address_created_at", ["address", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_verification_code_number_created_at", ["number", "created_at"], unique=False
        )

    op.create_table(
        "blocked_number",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_blocked_number_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocked_number")),
        sa.UniqueConstraint("number", name=op.f("uq_blocked_number_number")),
    )
    op.create_table(
        "ticket_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_photo_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_photo")),
        sa.UniqueConstraint("path", name=op.f("uq_ticket_photo_path")),
    )
    with op.batch_alter_table("ticket_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_photo_ticket_id"), ["ticket_id"], unique=False)

    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("visit_from", hotline.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("visit_until", hotline.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("visit_until")
        batch_op.drop_column("visit_from")

    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.drop_column("active")

    with op.batch_alter_table("ticket_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_photo_ticket_id"))

    op.drop_table("ticket_photo")
    op.drop_table("blocked_number")
    with op.batch_alter_table("verification_code", schema=None) as batch_op:
        batch_op.drop_index("ix_verification_code_number_created_at")
        batch_op.drop_index("ix_verification_code_address_created_at")

    op.drop_table("verification_code")
    with op.batch_alter_table("heartbeat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_heartbeat_role"))

    op.drop_table("heartbeat")
