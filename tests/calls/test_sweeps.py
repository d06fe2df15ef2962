"""Beat sweeps over calls: lost final statuses, and calls that found nobody on duty."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import accounts
from hotline.db import utcnow
from hotline.devtools.simulator import Caller, Simulator
from hotline.models import Call, CallOutcome, Role, Ticket, TicketSource, Volunteer
from hotline.tasks.calls import alert_unstaffed_calls, settle_stale_calls
from hotline.telephony import FakeTelephony


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


def test_supervisors_hear_once_of_a_call_that_found_nobody_on_duty(
    session: Session,
    simulator: Simulator,
    categories: None,
    telephony: FakeTelephony,
) -> None:
    lead = Volunteer(name="主管", mobile="+8613900000001")
    session.add(lead)
    session.flush()
    accounts.create_user(
        session, "lead", "correct horse battery", Role.SUPERVISOR, volunteer_id=lead.id
    )
    session.commit()
    simulator.run(Caller(presses=["0"]))

    alert_unstaffed_calls()
    alert_unstaffed_calls()

    assert [to for to, _ in telephony.sms] == ["+8613900000001"]
    assert "无人值班" in telephony.sms[0][1]
