"""One-time SMS codes that prove a resident holds a number: 6 digits, texted through the outbox,
kept only as a keyed hash, dead after CODE_TTL or MAX_TRIES wrong tries, spent by the first
right try. Sends are limited per number and per client address, counted from the codes' rows;
a blocked number gets none.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from hotline import messaging
from hotline.messaging.texts import text
from hotline.models import NotificationKind, VerificationCode
from hotline.online.blocking import is_blocked
from hotline.phone import normalize_number
from hotline.refusal import N_, Refused

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=5)
MAX_TRIES = 5
# Sends allowed per window: a number gets a few resends; an address (a family, an office
# behind one NAT) a few numbers' worth.
SEND_WINDOW = timedelta(hours=1)
SENDS_PER_NUMBER = 5
SENDS_PER_ADDRESS = 20


class VerificationRefused(Refused):
    """A code that cannot be sent or accepted."""


class BadNumber(VerificationRefused):
    """Not a number a code can be texted to."""


class NumberBlocked(VerificationRefused):
    """A supervisor barred this number from the public page."""


class TooManySends(VerificationRefused):
    """The number or the address asked for too many codes lately."""


class CodeRefused(VerificationRefused):
    """A wrong, expired, spent or exhausted code."""


def _hash(secret: str, number: str, code: str) -> str:
    # Keyed: a leaked table does not give the codes away by hashing all million of them.
    message = f"{number}:{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def valid_number(raw: str) -> str:
    """The number as it is texted and stored (+86...), else BadNumber."""
    number = normalize_number(raw)
    if number is None:
        raise BadNumber(N_("enter a mobile number, such as 138 0013 8000"))
    return number


def _sends_since(session: Session, where: ColumnElement[bool], since: datetime) -> int:
    stmt = select(func.count()).select_from(VerificationCode)
    return session.scalar(stmt.where(where, VerificationCode.created_at >= since)) or 0


@dataclass(frozen=True)
class Sent:
    """A code texted (or handed to the carrier): its row and the number it went to."""

    code_id: int
    number: str
    delivered: bool


def send_code(
    session: Session,
    raw_number: str,
    address: str,
    now: datetime,
    *,
    secret: str,
    send_sms: messaging.SendSms,
    commit: Callable[[], None],
    language: str | None = None,
) -> Sent:
    """Text a new code to the number, unless it is blocked or it or the address asked too
    often; the row is committed before the carrier is asked (the outbox's rule)."""
    number = valid_number(raw_number)
    if is_blocked(session, number):
        raise NumberBlocked(
            N_("this number cannot use the online service; please call the hotline")
        )
    since = now - SEND_WINDOW
    if _sends_since(session, VerificationCode.number == number, since) >= SENDS_PER_NUMBER:
        raise TooManySends(N_("too many codes for this number; try again in an hour"))
    address = address[:64]
    if _sends_since(session, VerificationCode.address == address, since) >= SENDS_PER_ADDRESS:
        raise TooManySends(N_("too many codes from this connection; try again in an hour"))
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = VerificationCode(
        number=number,
        code_hash=_hash(secret, number, code),
        address=address,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    session.add(row)
    session.flush()
    body = text("sms.online_code", language, code=code, minutes=CODE_TTL.seconds // 60)
    delivered = messaging.deliver(
        session,
        key=f"code:{row.id}",
        kind=NotificationKind.VERIFICATION,
        to=number,
        body=body,
        kept_body=text("sms.online_code", language, code="******", minutes=CODE_TTL.seconds // 60),
        due_at=now,
        now=now,
        send_sms=send_sms,
        commit=commit,
    )
    return Sent(row.id, number, delivered)


def check_code(session: Session, raw_number: str, code: str, now: datetime, *, secret: str) -> str:
    """The number, proven by the latest code sent to it; the code is then spent. A wrong code
    counts a try (the caller commits that too); refusals say why."""
    number = valid_number(raw_number)
    row = session.scalars(
        select(VerificationCode)
        .where(VerificationCode.number == number)
        .order_by(VerificationCode.created_at.desc(), VerificationCode.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise CodeRefused(N_("ask for a code first"))
    if is_blocked(session, number):
        raise NumberBlocked(
            N_("this number cannot use the online service; please call the hotline")
        )
    if row.used_at is not None:
        raise CodeRefused(N_("this code was already used; ask for a new one"))
    if row.expires_at <= now:
        raise CodeRefused(N_("the code has expired; ask for a new one"))
    if row.attempts >= MAX_TRIES:
        raise CodeRefused(N_("too many wrong codes; ask for a new one"))
    row.attempts += 1
    if not hmac.compare_digest(row.code_hash, _hash(secret, number, code.strip())):
        session.flush()
        left = MAX_TRIES - row.attempts
        if left == 0:
            raise CodeRefused(N_("too many wrong codes; ask for a new one"))
        raise CodeRefused(N_("wrong code: %(left)s tries left"), left=left)
    row.used_at = now
    session.flush()
    return number
