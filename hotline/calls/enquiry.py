"""Check my ticket: where a caller's ticket stands, for the IVR flow's lookup nodes."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.calls.line import spell_digits, spell_slowly
from hotline.ivr.engine import LookupFn
from hotline.messaging.texts import text
from hotline.models import Ticket
from hotline.phone import mask_number, normalize_number
from hotline.tickets.lifecycle import OPEN_STATUSES
from hotline.tickets.workflow import REF_LENGTHS

logger = logging.getLogger(__name__)


def latest_open_ticket(session: Session, caller_number: str) -> Ticket | None:
    """The caller's most recent ticket still being worked; None for a withheld number."""
    if normalize_number(caller_number) is None:
        return None
    return session.scalars(
        select(Ticket)
        .where(Ticket.caller_number == caller_number, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(1)
    ).first()


def ticket_by_reference(session: Session, keys: str) -> Ticket | None:
    """The ticket a caller keyed in by its short reference: the open one holding it, else the
    most recent that held it (references are unique among open tickets only)."""
    ref = keys.strip().rstrip("#")
    if not (ref.isascii() and ref.isdigit() and len(ref) in REF_LENGTHS):
        return None
    return session.scalars(
        select(Ticket)
        .where(Ticket.ref == ref)
        .order_by(Ticket.status.in_(OPEN_STATUSES).desc(), Ticket.created_at.desc())
        .limit(1)
    ).first()


def ticket_status(ticket: Ticket, language: str) -> Mapping[str, str]:
    """What a lookup found, as the flow's `found` prompt says it: {ref} and {status}."""
    ref = (
        spell_slowly(ticket.ref, language) if ticket.ref else spell_digits(ticket.number, language)
    )
    return {"ref": ref, "status": text(f"ivr.ticket_status.{ticket.status.value}", language)}


def ticket_lookup(session: Session, caller_number: str) -> LookupFn:
    """The IVR engine's lookups for one call: a ticket by the caller's number or by keys."""

    def lookup(name: str, keys: str | None, language: str) -> Mapping[str, str] | None:
        if name != "ticket_status":
            return None
        if keys is None:
            ticket = latest_open_ticket(session, caller_number)
        else:
            ticket = ticket_by_reference(session, keys)
        logger.info(
            "ticket lookup by %s: %s",
            "keys" if keys is not None else mask_number(caller_number),
            ticket.number if ticket else "not found",
        )
        return None if ticket is None else ticket_status(ticket, language)

    return lookup
