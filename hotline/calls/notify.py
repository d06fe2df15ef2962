"""The caller kept informed: when a call ends with a ticket (or a report comes in from the
public page), the caller is texted its short reference, once per ticket however many times it
is asked."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from hotline import messaging
from hotline.messaging.texts import text
from hotline.models import Call, EventKind, NotificationKind, Ticket, TicketSource
from hotline.phone import mask_number, normalize_number
from hotline.tickets.workflow import SYSTEM, record

logger = logging.getLogger(__name__)


def caller_key(ticket_id: int) -> str:
    """The outbox key of a ticket's SMS to its caller: one message per ticket, ever."""
    return f"caller:{ticket_id}"


def text_caller(
    session: Session,
    ticket_id: int,
    now: datetime,
    *,
    send_sms: messaging.SendSms,
    commit: Callable[[], None],
) -> bool:
    """Text the ticket's caller its reference (in the call's language); True if sent now. A
    withheld or unusable number is never texted."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return False
    number = normalize_number(ticket.caller_number)
    if number is None:
        logger.info(
            "ticket %s: caller number %s cannot be texted",
            ticket.number,
            mask_number(ticket.caller_number),
        )
        return False
    call = session.get(Call, ticket.call_id) if ticket.call_id is not None else None
    language = call.language if call is not None else None
    key = "sms.web_ticket" if ticket.source is TicketSource.WEB else "sms.caller_ticket"
    body = text(key, language, ref=ticket.ref or ticket.number)
    sent = messaging.deliver(
        session,
        key=caller_key(ticket.id),
        kind=NotificationKind.CALLER,
        to=number,
        body=body,
        due_at=now,
        now=now,
        send_sms=send_sms,
        commit=commit,
    )
    if sent:
        record(session, ticket, EventKind.SMS, SYSTEM, now, field="caller", note=body)
        commit()
    return sent
