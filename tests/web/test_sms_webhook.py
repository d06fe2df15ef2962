"""POST /sms/incoming: the carrier's Messaging webhook, signed, answered with TwiML <Message>."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline import dispatch
from hotline.db import utcnow
from hotline.messaging.texts import text
from hotline.models import InboundSms, Role, Ticket, TicketEvent, TicketStatus
from hotline.tasks import dispatch as dispatch_tasks
from hotline.telephony import FakeTelephony
from hotline.web.voice.twiml import render_message
from tests.dispatch.factories import TechnicianFactory
from tests.factories import TicketFactory, UserFactory
from tests.rota.factories import VolunteerFactory

Post = Callable[[str, dict[str, str]], TestResponse]
TECH = "+8613700006666"


def messages(response: TestResponse) -> list[str]:
    """The reply texts of a TwiML messaging response (exact shape checked)."""
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == "Response"
    assert all(child.tag == "Message" and not list(child) for child in root)
    return [child.text or "" for child in root]


def form(body: str, sid: str = "SM" + "1" * 32, sender: str = TECH) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+8657100000000",
        "Body": body,
        "NumMedia": "0",
    }


@pytest.fixture
def ticket(session: Session) -> Ticket:
    tech = TechnicianFactory(name="赵师傅", mobile=TECH)
    made: Ticket = TicketFactory(ref="2468", status=TicketStatus.ASSIGNED, technician=tech)
    session.commit()
    return made


def test_accept_by_sms_changes_the_ticket_and_replies(
    twilio_post: Post, session: Session, ticket: Ticket
) -> None:
    response = twilio_post("/sms/incoming", form("接　２４６８"))
    assert messages(response) == [text("sms.reply_accepted", ref="2468")]
    session.expire_all()
    assert ticket.status is TicketStatus.IN_PROGRESS
    event = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).one()
    assert event.actor == "赵师傅"


def test_a_carrier_retry_gets_the_same_reply_and_changes_nothing(
    twilio_post: Post, session: Session, ticket: Ticket
) -> None:
    first = messages(twilio_post("/sms/incoming", form("DONE 2468 fixed")))
    again = messages(twilio_post("/sms/incoming", form("DONE 2468 fixed")))
    assert first == again == [text("sms.reply_done", ref="2468")]
    session.expire_all()
    assert ticket.status is TicketStatus.RESOLVED
    count = select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
    assert session.scalar(count) == 1
    assert session.scalar(select(func.count()).select_from(InboundSms)) == 1


def test_another_number_cannot_change_the_ticket(
    twilio_post: Post, session: Session, ticket: Ticket
) -> None:
    TechnicianFactory(mobile="+8613700007777")
    session.commit()
    reply = messages(twilio_post("/sms/incoming", form("接 2468", sender="+8613700007777")))
    assert reply == [text("sms.reply_not_yours", ticket="2468")]
    session.expire_all()
    assert ticket.status is TicketStatus.ASSIGNED


def test_a_decline_queues_the_supervisors_notice(
    twilio_post: Post,
    session: Session,
    ticket: Ticket,
    monkeypatch: pytest.MonkeyPatch,
    telephony: FakeTelephony,
) -> None:
    boss = VolunteerFactory(mobile="+8613900000009")
    UserFactory(role=Role.SUPERVISOR, volunteer_id=boss.id)
    session.commit()
    queued: list[int] = []
    monkeypatch.setattr(dispatch_tasks.notify_decline, "delay", queued.append)
    reply = messages(twilio_post("/sms/incoming", form("退 2468")))
    assert reply == [text("sms.reply_declined", ref="2468")]
    session.expire_all()
    assert (ticket.status, ticket.technician_id) == (TicketStatus.OPEN, None)
    assert len(queued) == 1
    dispatch_tasks.notify_decline(queued[0])  # what the worker then does
    assert [to for to, _ in telephony.sms] == ["+8613900000009"]


def test_unknown_text_gets_the_commands(twilio_post: Post, ticket: Ticket) -> None:
    assert messages(twilio_post("/sms/incoming", form("在吗"))) == [text("sms.reply_help")]


def test_an_unsigned_request_is_refused(
    client: FlaskClient, session: Session, ticket: Ticket
) -> None:
    response = client.post("/sms/incoming", data=form("接 2468"))
    assert response.status_code == 403
    session.expire_all()
    assert ticket.status is TicketStatus.ASSIGNED
    assert session.scalar(select(func.count()).select_from(InboundSms)) == 0


def test_a_wrong_signature_is_refused(client: FlaskClient, ticket: Ticket) -> None:
    response = client.post(
        "/sms/incoming", data=form("接 2468"), headers={"X-Twilio-Signature": "bm9wZQ=="}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"From": TECH, "Body": "接 2468"},  # no MessageSid
        {"MessageSid": "SM" + "2" * 32, "Body": "接 2468"},  # no From
        {"MessageSid": "S" * 65, "From": TECH, "Body": "接 2468"},  # no SID is that long
        {"MessageSid": "SM" + "3" * 32, "From": "+86" + "1" * 40, "Body": "x"},
    ],
)
def test_a_message_without_a_usable_sid_or_sender_is_a_400(
    twilio_post: Post, session: Session, ticket: Ticket, params: dict[str, str]
) -> None:
    assert twilio_post("/sms/incoming", params).status_code == 400
    assert session.scalar(select(func.count()).select_from(InboundSms)) == 0


def test_a_long_body_is_cut_at_the_edge(
    twilio_post: Post, session: Session, ticket: Ticket
) -> None:
    reply = messages(twilio_post("/sms/incoming", form("完成 2468 " + "很" * 5000)))
    assert reply == [text("sms.reply_done", ref="2468")]
    row = session.scalars(select(InboundSms)).one()
    assert len(row.body) == 1600


def test_a_failure_is_an_apology_never_a_500(
    twilio_post: Post, session: Session, ticket: Ticket, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(dispatch, "receive", broken)
    assert messages(twilio_post("/sms/incoming", form("接 2468"))) == [text("sms.reply_error")]
    session.expire_all()
    assert ticket.status is TicketStatus.ASSIGNED


def test_a_residents_score_is_stored(twilio_post: Post, session: Session, app: Flask) -> None:
    rated = TicketFactory(
        caller_number="+8613800008888",
        status=TicketStatus.RESOLVED,
        resolved_at=utcnow() - timedelta(hours=2),
        survey_sent_at=utcnow() - timedelta(hours=1),
    )
    session.commit()
    reply = messages(twilio_post("/sms/incoming", form("４", sender="+8613800008888")))
    assert reply == [text("sms.reply_rated", score=4)]
    session.expire_all()
    assert rated.satisfaction == 4


def test_no_reply_is_an_empty_response() -> None:
    assert ET.fromstring(render_message("")).tag == "Response"
    assert list(ET.fromstring(render_message(""))) == []
