"""The satisfaction survey: some minutes after a ticket is resolved, its caller is texted once
for a score of 1-5 (the reply goes through hotline.dispatch.sms to workflow.rate)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.messaging import outbox
from hotline.messaging.texts import text
from hotline.models import EventKind, NotificationKind, Ticket, TicketStatus
from hotline.phone import normalize_number
from hotline.tickets import workflow

# Tickets resolved longer ago than this are not surveyed (switching the survey on, or a sweep
# that was down for days, must not text residents about visits they have forgotten).
MAX_AGE = timedelta(days=3)
BATCH = 200


def send_surveys(
    session: Session,
    now: datetime,
    send_sms: outbox.SendSms,
    *,
    delay: timedelta,
    commit: Callable[[], None],
) -> int:
    """Ask the caller of each ticket resolved at least `delay` ago for a score, once per
    ticket; returns how many were sent now."""
    due = session.scalars(
        select(Ticket)
        .where(
            Ticket.status == TicketStatus.RESOLVED,
            Ticket.resolved_at <= now - delay,
            Ticket.resolved_at >= now - MAX_AGE,
            Ticket.survey_sent_at.is_(None),
            Ticket.satisfaction.is_(None),
            Ticket.caller_number != "",
        )
        .order_by(Ticket.resolved_at, Ticket.id)
        .limit(BATCH)
    ).all()
    sent = 0
    for ticket in due:
        number = normalize_number(ticket.caller_number)
        if number is None:
            continue
        # The claim: of concurrent sweeps, one UPDATE finds survey_sent_at still empty.
        claimed = session.execute(
            update(Ticket)
            .where(
                Ticket.id == ticket.id,
                Ticket.survey_sent_at.is_(None),
                Ticket.status == TicketStatus.RESOLVED,
            )
            .values(survey_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        ticket.survey_sent_at = now
        resolved_at = ticket.resolved_at or now
        workflow.record(
            session, ticket, EventKind.SMS, workflow.SYSTEM, now, note="satisfaction survey"
        )
        sent += outbox.deliver(
            session,
            # One question per resolution: a ticket reopened and resolved again asks anew.
            key=f"survey:{ticket.id}:{resolved_at:%Y%m%d%H%M%S}",
            kind=NotificationKind.SURVEY,
            to=number,
            body=text("sms.survey", ref=ticket.ref or ticket.number),
            due_at=resolved_at,
            now=now,
            send_sms=send_sms,
            commit=commit,
        )
    return sent
