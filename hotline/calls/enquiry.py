"""Check my ticket: where a caller's ticket stands, for the IVR flow's lookup nodes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.calls.line import spell_digits, spell_slowly
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


@dataclass
class TicketLookup:
    """The IVR engine's lookups for one call (an engine.LookupFn): a ticket by the caller's
    number or by the reference keyed; `found` lists the tickets it told the caller about."""

    session: Session
    caller_number: str
    found: list[str] = field(default_factory=list)

    def __call__(self, name: str, keys: str | None, language: str) -> Mapping[str, str] | None:
        """What the flow's `found` prompt says, or None when there is no such ticket."""
        if name != "ticket_status":
            return None
        if keys is None:
            ticket = latest_open_ticket(self.session, self.caller_number)
        else:
            ticket = ticket_by_reference(self.session, keys)
        logger.info(
            "ticket lookup by %s: %s",
            "keys" if keys is not None else mask_number(self.caller_number),
            ticket.number if ticket else "not found",
        )
        if ticket is None:
            return None
        self.found.append(ticket.number)
        return ticket_status(ticket, language)


def ticket_lookup(session: Session, caller_number: str) -> TicketLookup:
    """The lookups of a call from `caller_number`."""
    return TicketLookup(session, caller_number)
