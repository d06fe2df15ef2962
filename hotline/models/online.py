"""The residents' public web page: one-time SMS codes that prove a number, and blocked numbers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, utcnow


class VerificationCode(Base):
    """A 6-digit code texted to `number`; only its hash is kept. Spent once (`used_at`), dead at
    `expires_at` or after too many wrong tries; rows also count sends per number and address."""

    __tablename__ = "verification_code"
    __table_args__ = (
        Index("ix_verification_code_number_created_at", "number", "created_at"),
        Index("ix_verification_code_address_created_at", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(128))
    # The client address that asked for it.
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]


class BlockedNumber(Base):
    """A number a supervisor barred from the public page."""

    __tablename__ = "blocked_number"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
