"""Beat sweeps over calls: a lost final status still ends in a ticket."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import Call, CallOutcome, Ticket, TicketSource
from hotline.tasks.calls import settle_stale_calls


def test_a_call_without_final_status_is_settled_as_abandoned(session: Session) -> None:
    old = Call(call_sid="CAold", started_at=utcnow() - timedelta(hours=7), node_id="main_menu")
    recent = Call(call_sid="CAnew", started_at=utcnow() - timedelta(minutes=5), node_id="main_menu")
    session.add_all([old, recent])
    session.commit()

    settle_stale_calls()
    settle_stale_calls()  # a second run finds nothing more to do

    session.expire_all()
    assert (old.outcome, recent.outcome) == (CallOutcome.ABANDONED, CallOutcome.IN_PROGRESS)
    assert old.error_reason == "no final status from the carrier"
    (ticket,) = session.scalars(select(Ticket)).all()
    assert (ticket.call_id, ticket.source) == (old.id, TicketSource.ABANDONED)
