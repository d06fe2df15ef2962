"""The SMS outbox: every message has a unique key in `rota_notification` (the Notification
model); it is claimed, made durable by the caller's `commit`, and only then handed to the
carrier. A repeated or concurrent run finds the key taken. A worker dying between claim and
carrier leaves the row `sending`: at most once, never twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    Role,
    User,
    Volunteer,
)
from hotline.phone import mask_number
from hotline.telephony import TelephonyError

logger = logging.getLogger(__name__)

SendSms = Callable[[str, str], str]
# Failed sends are retried by later runs, this many tries in all, while still due.
MAX_ATTEMPTS = 3


def deliver(
    session: Session,
    *,
    key: str,
    kind: NotificationKind,
    to: str,
    body: str,
    due_at: datetime,
    now: datetime,
    send_sms: SendSms,
    commit: Callable[[], None],
    volunteer_id: int | None = None,
    kept_body: str | None = None,
) -> bool:
    """Send one keyed SMS unless it was already sent (or is being sent); True when sent now.
    `kept_body` is what the row keeps instead of `body` (a one-time code is never stored)."""
    row = session.scalar(select(Notification).where(Notification.key == key))
    if row is None:
        row = Notification(
            key=key,
            kind=kind,
            volunteer_id=volunteer_id,
            to_number=to,
            body=body if kept_body is None else kept_body,
            due_at=due_at,
            attempts=0,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            return False
    elif row.status is not NotificationStatus.FAILED or row.attempts >= MAX_ATTEMPTS:
        return False
    row.status = NotificationStatus.SENDING
    row.attempts += 1
    commit()
    try:
        row.message_sid = send_sms(to, body)
    except (TelephonyError, OSError) as exc:
        logger.warning("sms %s to %s failed: %s", key, mask_number(to), exc)
        row.status = NotificationStatus.FAILED
        row.error = str(exc)[:255]
    else:
        row.status = NotificationStatus.SENT
        row.sent_at = now
        row.error = None
    commit()
    return row.status is NotificationStatus.SENT


def deliver_to_each(
    session: Session,
    numbers: Sequence[str],
    *,
    key: str,
    kind: NotificationKind,
    body: str,
    due_at: datetime,
    now: datetime,
    send_sms: SendSms,
    commit: Callable[[], None],
) -> int:
    """The same keyed SMS to each number (the key gets the number appended), each at most
    once; returns how many were sent now."""
    return sum(
        deliver(
            session,
            key=f"{key}:{number}",
            kind=kind,
            to=number,
            body=body,
            due_at=due_at,
            now=now,
            send_sms=send_sms,
            commit=commit,
        )
        for number in numbers
    )


def supervisor_numbers(session: Session, extra: Sequence[str] = ()) -> list[str]:
    """Who hears of coverage gaps and unstaffed calls: supervisors' linked mobiles, then
    `extra`, each once."""
    linked = session.scalars(
        select(Volunteer.mobile)
        .join(User, User.volunteer_id == Volunteer.id)
        .where(User.role == Role.SUPERVISOR, User.active.is_(True))
        .order_by(User.id)
    ).all()
    return list(dict.fromkeys([*linked, *extra]))
