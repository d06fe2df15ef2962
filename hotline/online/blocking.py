"""Numbers barred from the public page by a supervisor: they get no code, so no way in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import audit
from hotline.models import BlockedNumber
from hotline.phone import normalize_number
from hotline.refusal import N_, Refused
from hotline.review.voicemail import Actor

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


def block(session: Session, raw_number: str, reason: str, by: Actor) -> BlockedNumber:
    """Bar a number from the public page, audited."""
    number = normalize_number(raw_number)
    if number is None:
        raise BlockRefused(N_("enter a mobile number, such as 138 0013 8000"))
    if is_blocked(session, number):
        raise BlockRefused(N_("this number is already blocked"))
    row = BlockedNumber(number=number, reason=reason.strip()[:REASON_CHARS], user_id=by.user_id)
    session.add(row)
    session.flush()
    _audit(session, audit.Action.NUMBER_BLOCK, row, by)
    return row


def unblock(session: Session, block_id: int, by: Actor) -> BlockedNumber | None:
    """Let a barred number in again, audited; None if it was not barred."""
    row = session.get(BlockedNumber, block_id)
    if row is None:
        return None
    session.delete(row)
    _audit(session, audit.Action.NUMBER_UNBLOCK, row, by)
    session.flush()
    return row


def _audit(session: Session, action: audit.Action, row: BlockedNumber, by: Actor) -> None:
    audit.record(
        session,
        user_id=by.user_id,
        username=by.username,
        action=action,
        target=f"number:{row.number}",
        address=by.address,
        detail=row.reason,
    )
