"""The SMS webhook's domain on PostgreSQL as well as SQLite: keeping a message once by its SID
(INSERT ... ON CONFLICT DO NOTHING, dialect by dialect) and naming a ticket by its reference
(each alternative of the look-up answered from its own index)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import dispatch
from hotline.db import utcnow
from hotline.dispatch.sms import find_for
from hotline.messaging.texts import text
from hotline.models import InboundSms, Technician, Ticket, TicketStatus
from hotline.tickets.lifecycle import OPEN_STATUSES
from tests.dispatch.factories import TechnicianFactory
from tests.factories import TicketFactory

NOW = utcnow()


def technician(mobile: str) -> Technician:
    row: Technician = TechnicianFactory(mobile=mobile)
    return row


def ticket(**fields: object) -> Ticket:
    row: Ticket = TicketFactory(**fields)
    return row


def test_a_message_is_kept_once_and_a_retry_gets_its_reply(any_session: Session) -> None:
    session = any_session
    tech = technician("+8613700003333")
    worked = ticket(ref="5521", status=TicketStatus.ASSIGNED, technician=tech)
    message = dispatch.Incoming("SMonce-pg", tech.mobile, "接 5521")

    first = dispatch.receive(session, message, NOW)
    retry = dispatch.receive(session, message, NOW + timedelta(seconds=30))

    assert (first.outcome, first.ticket_id, first.replay) == ("accepted", worked.id, False)
    assert (retry.reply, retry.outcome, retry.ticket_id, retry.replay) == (
        first.reply,
        "accepted",
        worked.id,
        True,
    )
    row = session.scalars(select(InboundSms).where(InboundSms.message_sid == "SMonce-pg")).one()
    assert (row.outcome, row.ticket_id, row.reply, row.body) == (
        "accepted",
        worked.id,
        text("sms.reply_accepted", ref="5521"),
        "接 5521",
    )
    kept = session.scalar(select(func.count()).select_from(InboundSms))
    assert kept == 1


def test_a_reference_names_the_open_ticket_or_the_senders_own_closed_one(
    any_session: Session,
) -> None:
    session = any_session
    tech, other = technician("+8613700004444"), technician("+8613700005555")
    # Closed tickets that once had the reference, someone else's and nobody's.
    ticket(ref="6613", status=TicketStatus.CLOSED, technician=other)
    ticket(ref="6613", status=TicketStatus.RESOLVED)
    own_closed = ticket(ref="7714", status=TicketStatus.RESOLVED, technician=tech)
    ticket(ref="7714", status=TicketStatus.CLOSED, technician=other)
    open_one = ticket(ref="6613", status=TicketStatus.ASSIGNED, technician=other)
    session.flush()

    assert open_one.status in OPEN_STATUSES
    assert find_for(session, tech, "6613", NOW) == (open_one, False)
    assert find_for(session, tech, "7714", NOW) == (own_closed, True)
    assert find_for(session, other, "8815", NOW) == (None, False)
