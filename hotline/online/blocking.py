"""Numbers barred from the public page by a supervisor: they get no code, so no way in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import audit
from hotline.models import BlockedNumber
from hotline.phone import normalize_number
from hotline.refusal import N_, Refused

REASON_CHARS = 200


class BlockRefused(Refused):
    """A block or unblock that cannot be made."""


def is_blocked(session: Session, number: str) -> bool:
    """Whether this (normalised) number is barred."""
    found = session.scalar(select(BlockedNumber.id).where(BlockedNumber.number == number))
    return found is not None


def blocked(session: Session) -> list[BlockedNumber]:
    """Every barred number, newest first."""
    stmt = select(BlockedNumber).order_by(BlockedNumber.created_at.desc(), BlockedNumber.id.desc())
    return list(session.scalars(stmt))


def block(
    session: Session, raw_number: str, reason: str, *, user_id: int, username: str, address: str
) -> BlockedNumber:
    """Bar a number from the public page, audited."""
    number = normalize_number(raw_number)
    if number is None:
        raise BlockRefused(N_("enter a mobile number, such as 138 0013 8000"))
    if is_blocked(session, number):
        raise BlockRefused(N_("this number is already blocked"))
    row = BlockedNumber(number=number, reason=reason.strip()[:REASON_CHARS], user_id=user_id)
    session.add(row)
    session.flush()
    audit.record(
        session,
        user_id=user_id,
        username=username,
        action=audit.Action.NUMBER_BLOCK,
        target=f"number:{number}",
        address=address,
        detail=row.reason,
    )
    return row


def unblock(
    session: Session, block_id: int, *, user_id: int, username: str, address: str
) -> BlockedNumber | None:
    """Let a barred number in again, audited; None if it was not barred."""
    row = session.get(BlockedNumber, block_id)
    if row is None:
        return None
    session.delete(row)
    audit.record(
        session,
        user_id=user_id,
        username=username,
        action=audit.Action.NUMBER_UNBLOCK,
        target=f"number:{row.number}",
        address=address,
    )
    session.flush()
    return row
