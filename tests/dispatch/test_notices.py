"""Assigning a ticket and the SMS that follow: the technician's job, supervisors told of a
decline, the satisfaction survey; each sent once, after the change is committed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import dispatch, locks
from hotline.db import utcnow
from hotline.dispatch import survey
from hotline.messaging.texts import text
from hotline.models import (
    EventKind,
    Notification,
    NotificationKind,
    Role,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from hotline.tasks.dispatch import (
    LOCK_TTL,
    notify_assignment,
    notify_decline,
    resend_assignments,
    send_surveys,
)
from hotline.telephony import FakeTelephony
from hotline.tickets.workflow import Actor, TicketError
from tests.dispatch.factories import TechnicianFactory
from tests.factories import CategoryFactory, CommunityFactory, TicketFactory, UserFactory
from tests.helpers import configure
from tests.rota.factories import VolunteerFactory

BOSS = Actor("主管", None)


def open_ticket(**fields: object) -> Ticket:
    values: dict[str, object] = {
        "ref": "3307",
        "category": CategoryFactory(name_zh="水电维修"),
        "community": CommunityFactory(name="东城社区"),
        "address": "幸福路8号3单元",
        **fields,
    }
    ticket: Ticket = TicketFactory(**values)
    return ticket


def test_assign_gives_the_ticket_and_returns_the_event_to_text(session: Session) -> None:
    ticket = open_ticket()
    tech = TechnicianFactory(name="王师傅")
    assigned = dispatch.assign(
        session, ticket.number, BOSS, utcnow(), technician_id=tech.id, note="  老人独居  "
    )
    event = session.get(TicketEvent, assigned.event_id)
    assert event is not None
    assert (event.kind, event.to_value, event.note, event.actor) == (
        EventKind.ASSIGNED,
        "王师傅",
        "老人独居",
        "主管",
    )
    assert (assigned.technician_id, ticket.status, ticket.technician_id) == (
        tech.id,
        TicketStatus.ASSIGNED,
        tech.id,
    )


def test_assign_to_a_volunteer_texts_nobody(session: Session) -> None:
    ticket = open_ticket()
    volunteer = VolunteerFactory()
    assigned = dispatch.assign(session, ticket.number, BOSS, utcnow(), volunteer_id=volunteer.id)
    assert assigned.technician_id is None and ticket.volunteer_id == volunteer.id


@pytest.mark.parametrize(
    ("number", "kwargs", "message"),
    [
        ("2026-999999", {"technician_id": 1}, "no such ticket"),
        (None, {"technician_id": 999999}, "no such technician"),
        (None, {"volunteer_id": 999999}, "no such volunteer"),
        (None, {}, "choose one technician or one volunteer"),
    ],
)
def test_assign_refuses_what_does_not_exist(
    session: Session, number: str | None, kwargs: dict[str, int], message: str
) -> None:
    ticket = open_ticket()
    with pytest.raises((dispatch.DispatchError, TicketError), match=message):
        dispatch.assign(session, number or ticket.number, BOSS, utcnow(), **kwargs)


def test_assign_refuses_an_inactive_technician(session: Session) -> None:
    ticket = open_ticket()
    tech = TechnicianFactory(name="老张", active=False)
    with pytest.raises(TicketError, match="老张 is not active"):
        dispatch.assign(session, ticket.number, BOSS, utcnow(), technician_id=tech.id)


def test_the_job_sms_has_everything_and_goes_once(
    app: Flask, session: Session, telephony: FakeTelephony
) -> None:
    ticket = open_ticket()
    tech = TechnicianFactory(mobile="+8613700002222")
    assigned = dispatch.assign(
        session, ticket.number, BOSS, utcnow(), technician_id=tech.id, note="下午两点后在家"
    )
    session.commit()
    notify_assignment(assigned.event_id)
    notify_assignment(assigned.event_id)  # redelivered
    resend_assignments()  # the sweep finds it sent
    [(to, body)] = telephony.sms
    assert to == "+8613700002222"
    assert body == text(
        "sms.dispatch_assigned",
        ref="3307",
        category="水电维修",
        community="东城社区",
        address="幸福路8号3单元",
        note="下午两点后在家",
    )
    for part in (
        "3307",
        "水电维修",
        "东城社区",
        "幸福路8号3单元",
        "下午两点后在家",
        "接 3307",
        "完成 3307",
        "退 3307",
    ):
        assert part in body
    row = session.scalars(select(Notification)).one()
    assert (row.key, row.kind) == (f"dispatch:{assigned.event_id}", NotificationKind.DISPATCH)


def test_a_replaced_assignment_is_not_texted(
    app: Flask, session: Session, telephony: FakeTelephony
) -> None:
    ticket = open_ticket()
    first, second = TechnicianFactory(), TechnicianFactory()
    old = dispatch.assign(session, ticket.number, BOSS, utcnow(), technician_id=first.id)
    new = dispatch.assign(session, ticket.number, BOSS, utcnow(), technician_id=second.id)
    session.commit()
    notify_assignment(old.event_id)
    notify_assignment(new.event_id)
    assert [to for to, _ in telephony.sms] == [second.mobile]


def test_the_sweep_sends_job_sms_whose_task_was_lost(
    app: Flask, session: Session, telephony: FakeTelephony
) -> None:
    ticket = open_ticket()
    tech = TechnicianFactory()
    dispatch.assign(
        session, ticket.number, BOSS, utcnow() - timedelta(minutes=5), technician_id=tech.id
    )
    session.commit()
    resend_assignments()
    resend_assignments()
    assert [to for to, _ in telephony.sms] == [tech.mobile]


def test_a_decline_tells_each_supervisor_once(
    app: Flask, session: Session, telephony: FakeTelephony
) -> None:
    boss = VolunteerFactory(mobile="+8613900000001")
    UserFactory(role=Role.SUPERVISOR, volunteer_id=boss.id)
    tech = TechnicianFactory(name="王师傅", mobile="+8613700003333")
    ticket = open_ticket(status=TicketStatus.ASSIGNED, technician=tech)
    outcome = dispatch.receive(
        session, dispatch.Incoming("SMdecline", tech.mobile, "退 3307 太远了"), utcnow()
    )
    session.commit()
    assert outcome.declined_event_id is not None
    notify_decline(outcome.declined_event_id)
    notify_decline(outcome.declined_event_id)
    [(to, body)] = telephony.sms
    assert to == "+8613900000001"
    assert body == text(
        "sms.dispatch_declined", ref="3307", number=ticket.number, name="王师傅", note="太远了"
    )


RESIDENT = "+8613800004444"


def resolved(minutes_ago: int, **fields: object) -> Ticket:
    values: dict[str, object] = {
        "ref": "5120",
        "caller_number": RESIDENT,
        "status": TicketStatus.RESOLVED,
        "resolved_at": utcnow() - timedelta(minutes=minutes_ago),
        **fields,
    }
    ticket: Ticket = TicketFactory(**values)
    return ticket


def test_the_survey_goes_once_after_the_delay(
    app: Flask, session: Session, telephony: FakeTelephony, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(app, monkeypatch, survey_delay_minutes=30)
    due = resolved(45)
    recent = resolved(10, caller_number="+8613800005555")
    session.commit()
    send_surveys()
    send_surveys()
    assert telephony.sms == [(RESIDENT, text("sms.survey", ref="5120"))]
    session.expire_all()
    assert due.survey_sent_at is not None and recent.survey_sent_at is None
    [event] = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == due.id)).all()
    assert (event.kind, event.actor) == (EventKind.SMS, "system")


@pytest.mark.parametrize(
    "fields",
    [
        {"caller_number": ""},
        {"caller_number": "anonymous"},
        {"satisfaction": 4},
        {"survey_sent_at": utcnow()},
        {"status": TicketStatus.CLOSED},
        {"resolved_at": utcnow() - timedelta(days=10)},  # too long ago to ask
    ],
)
def test_the_survey_skips_tickets_it_must_not_ask(
    app: Flask, session: Session, telephony: FakeTelephony, fields: dict[str, object]
) -> None:
    resolved(60, **fields)
    session.commit()
    send_surveys()
    assert telephony.sms == []


def test_the_survey_setting_turns_it_off(
    app: Flask, session: Session, telephony: FakeTelephony, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(app, monkeypatch, survey_sms=False)
    ticket = resolved(60)
    session.commit()
    send_surveys()
    assert telephony.sms == [] and ticket.survey_sent_at is None


def test_the_survey_waits_while_another_sweep_holds_the_lease(
    app: Flask, session: Session, telephony: FakeTelephony
) -> None:
    resolved(60)
    assert locks.acquire_lock(session, "dispatch.send_surveys", "other", utcnow(), LOCK_TTL)
    session.commit()
    send_surveys()
    assert telephony.sms == []


def test_concurrent_sweeps_claim_each_ticket_once(
    app: Flask, session: Session, telephony: FakeTelephony, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second sweep runs whole between the first one's query and its claim (both saw the
    ticket due): the first one's conditional UPDATE then finds it taken and sends nothing."""
    ticket = resolved(60)
    session.commit()
    sessions = app.extensions["hotline.db"].sessions
    sent: list[int] = []

    def sweep() -> None:
        with sessions() as own:
            at = utcnow()
            delay = timedelta(minutes=30)
            sent.append(
                dispatch.send_surveys(own, at, telephony.send_sms, delay=delay, commit=own.commit)
            )
            own.commit()  # as the lease's runner does

    real = survey.normalize_number
    interleaved: list[bool] = []

    def normalise_then_race(raw: str) -> str | None:
        if not interleaved:
            interleaved.append(True)
            sweep()  # the other sweep, start to end
        return real(raw)

    monkeypatch.setattr(survey, "normalize_number", normalise_then_race)
    sweep()
    assert interleaved and sent == [1, 0]  # the inner sweep finished first
    assert telephony.sms == [(RESIDENT, text("sms.survey", ref="5120"))]
    session.expire_all()
    assert session.get(Ticket, ticket.id).survey_sent_at is not None  # type: ignore[union-attr]
    assert len(session.scalars(select(Notification)).all()) == 1
    # The claim, not only the outbox key: the loser records no second survey event either.
    events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
    assert [e.kind for e in events] == [EventKind.SMS]


def test_a_reply_to_the_survey_rates_the_ticket(
    app: Flask, session: Session, telephony: FakeTelephony
) -> None:
    ticket = resolved(60)
    session.commit()
    send_surveys()
    session.expire_all()
    outcome = dispatch.receive(session, dispatch.Incoming("SMscore", RESIDENT, "2"), utcnow())
    assert outcome.outcome == "rated"
    assert (ticket.satisfaction, ticket.status) == (2, TicketStatus.IN_PROGRESS)
