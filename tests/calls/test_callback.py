"""Call back through the line: the line rings the agent, then bridges the resident, both legs
showing the hotline's number; every step an event on the ticket. Played with the fake carrier
and the simulator (signed webhooks, TwiML parsed)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.calls import callback
from hotline.db import utcnow
from hotline.devtools.simulator import Simulator
from hotline.models import (
    Callback,
    CallbackStatus,
    EventKind,
    Technician,
    Ticket,
    TicketEvent,
    TicketSource,
    User,
)
from hotline.tasks.calls import place_callback
from hotline.telephony import FakeTelephony
from hotline.tickets.workflow import Actor, TicketError
from tests import factories
from tests.helpers import PUBLIC_BASE_URL, configure

LINE = "+8657100000000"
RESIDENT = "+8613800000001"
AGENT = "+8613900000042"


@pytest.fixture
def line(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The test app with the hotline's own number configured."""
    return configure(app, monkeypatch, line_number=LINE)


@pytest.fixture
def agent(session: Session) -> User:
    """A volunteer's dashboard account, linked to their mobile."""
    volunteer = factories.VolunteerFactory(name="王志愿", mobile=AGENT)
    user: User = factories.UserFactory(volunteer_id=volunteer.id, display_name="王志愿")
    session.commit()
    return user


@pytest.fixture
def ticket(session: Session) -> Ticket:
    """An abandoned call's ticket, waiting for a call back."""
    row: Ticket = factories.TicketFactory(
        caller_number=RESIDENT, ref="4821", source=TicketSource.ABANDONED
    )
    session.commit()
    return row


def as_actor(user: User) -> Actor:
    return Actor(user.display_name, user_id=user.id)


def requested(session: Session, ticket: Ticket, user: User, via: str = "me") -> Callback:
    row = callback.request_callback(
        session, ticket, as_actor(user), utcnow(), via=via, line_number=LINE
    )
    session.commit()
    return row


def reloaded(session: Session, row: Callback) -> Callback:
    session.expire_all()
    fresh = session.get(Callback, row.id)
    assert fresh is not None
    return fresh


def steps(session: Session, ticket: Ticket) -> list[str]:
    session.expire_all()
    return list(
        session.scalars(
            select(TicketEvent.to_value)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.CALLBACK)
            .order_by(TicketEvent.id)
        )
    )


def test_the_agent_is_rung_then_the_resident_bridged_showing_only_the_line(
    line: Flask,
    session: Session,
    telephony: FakeTelephony,
    simulator: Simulator,
    agent: User,
    ticket: Ticket,
) -> None:
    row = requested(session, ticket, agent)

    place_callback(row.id)

    (placed,) = telephony.calls
    assert (placed.to, placed.from_) == (AGENT, LINE)
    assert placed.url == f"{PUBLIC_BASE_URL}/voice/callback?id={row.id}"
    assert placed.status_callback == f"{PUBLIC_BASE_URL}/voice/callback-status?id={row.id}"
    talk = simulator.play_outbound(placed)

    assert talk.dialled == [RESIDENT]
    assert talk.caller_ids == [LINE]  # the resident sees the hotline, not the agent
    assert talk.connected
    assert any("四，八，二，一" in said for said in talk.lines)
    done = reloaded(session, row)
    assert done.status is CallbackStatus.COMPLETED
    assert done.call_sid == placed.sid
    assert done.detail == "talked 45 s"
    assert steps(session, ticket) == ["requested", "dialing", "bridged", "completed"]


def test_a_retried_task_never_rings_twice(
    line: Flask, session: Session, telephony: FakeTelephony, agent: User, ticket: Ticket
) -> None:
    row = requested(session, ticket, agent)

    place_callback(row.id)
    place_callback(row.id)

    assert len(telephony.calls) == 1
    assert reloaded(session, row).status is CallbackStatus.DIALING


@pytest.mark.parametrize(
    ("agent_does", "resident_does", "detail"),
    [
        ("no-answer", "answer", "agent: no-answer"),
        ("busy", "answer", "agent: busy"),
        ("answer", "no-answer", "resident: no-answer"),
        ("answer", "busy", "resident: busy"),
    ],
)
def test_a_leg_that_never_answers_fails_the_call_back_with_why(
    line: Flask,
    session: Session,
    telephony: FakeTelephony,
    simulator: Simulator,
    agent: User,
    ticket: Ticket,
    agent_does: str,
    resident_does: str,
    detail: str,
) -> None:
    row = requested(session, ticket, agent)
    place_callback(row.id)

    talk = simulator.play_outbound(telephony.calls[0], agent_does, resident_does)

    failed = reloaded(session, row)
    assert failed.status is CallbackStatus.FAILED
    assert failed.detail == detail
    assert not talk.connected
    assert steps(session, ticket)[-1] == "failed"


def test_the_carrier_refusing_fails_the_call_back(
    line: Flask, session: Session, telephony: FakeTelephony, agent: User, ticket: Ticket
) -> None:
    telephony.fail_calls = True
    row = requested(session, ticket, agent)

    place_callback(row.id)

    failed = reloaded(session, row)
    assert failed.status is CallbackStatus.FAILED
    assert failed.detail.startswith("carrier:")
    assert steps(session, ticket) == ["requested", "dialing", "failed"]


def test_the_technician_can_be_rung_instead(
    line: Flask,
    session: Session,
    telephony: FakeTelephony,
    agent: User,
    ticket: Ticket,
) -> None:
    technician = Technician(name="李师傅", mobile="+8613700000007")
    session.add(technician)
    session.flush()
    ticket.technician_id = technician.id
    session.commit()

    row = requested(session, ticket, agent, via="technician")
    place_callback(row.id)

    assert telephony.calls[0].to == "+8613700000007"
    assert reloaded(session, row).agent_number == "+8613700000007"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no_line", "call backs need the hotline's number to be configured"),
        ("withheld", "this ticket has no caller number to call back"),
        ("unlinked", "your account has no linked volunteer mobile to ring"),
        ("no_technician", "the ticket has no active technician to ring"),
        ("twice", "a call back for this ticket is already under way"),
    ],
)
def test_a_call_back_that_cannot_be_made_is_refused(
    session: Session, agent: User, ticket: Ticket, change: str, message: str
) -> None:
    user, via, line_number = agent, "me", LINE
    if change == "no_line":
        line_number = ""
    elif change == "withheld":
        ticket.caller_number = "anonymous"
    elif change == "unlinked":
        user = factories.UserFactory()
    elif change == "no_technician":
        via = "technician"
    elif change == "twice":
        requested(session, ticket, agent)
    session.commit()

    with pytest.raises(TicketError) as refused:
        callback.request_callback(
            session, ticket, as_actor(user), utcnow(), via=via, line_number=line_number
        )

    assert refused.value.message == message


def post_leg(
    twilio_post: Callable[..., TestResponse], hook: str, callback_id: object, **params: str
) -> ET.Element:
    response = twilio_post(f"/voice/{hook}?id={callback_id}", {"CallSid": "CAother", **params})
    assert response.status_code == 200
    return ET.fromstring(response.get_data(as_text=True))  # noqa: S314


def test_a_webhook_for_another_call_or_no_call_back_apologises_and_hangs_up(
    line: Flask,
    session: Session,
    telephony: FakeTelephony,
    twilio_post: Callable[..., TestResponse],
    agent: User,
    ticket: Ticket,
) -> None:
    row = requested(session, ticket, agent)
    place_callback(row.id)

    for callback_id in (row.id, 999_999, "x"):
        root = post_leg(twilio_post, "callback", callback_id, CallStatus="in-progress")
        assert [verb.tag for verb in root] == ["Say", "Hangup"]
    assert reloaded(session, row).status is CallbackStatus.DIALING


def test_the_agents_twiml_says_the_reference_then_dials_the_resident_from_the_line(
    line: Flask,
    session: Session,
    telephony: FakeTelephony,
    twilio_post: Callable[..., TestResponse],
    agent: User,
    ticket: Ticket,
) -> None:
    row = requested(session, ticket, agent)
    place_callback(row.id)
    sid = telephony.calls[0].sid

    response = twilio_post(f"/voice/callback?id={row.id}", {"CallSid": sid})

    root = ET.fromstring(response.get_data(as_text=True))  # noqa: S314
    say, dial = list(root)
    assert (say.tag, say.get("language")) == ("Say", "zh-CN")
    assert "工单号四，八，二，一" in (say.text or "")
    assert dial.tag == "Dial"
    assert dial.get("callerId") == LINE
    assert dial.get("action") == f"{PUBLIC_BASE_URL}/voice/callback-dial?id={row.id}"
    assert [(n.text or "").strip() for n in dial.findall("Number")] == [RESIDENT]
    assert AGENT not in response.get_data(as_text=True)
