"""The caller kept informed: the short reference read slowly twice with star to hear it again,
and one SMS with it when the call ends with a ticket."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.devtools.simulator import Caller, Simulator
from hotline.models import (
    Call,
    EventKind,
    Notification,
    NotificationKind,
    Ticket,
    TicketEvent,
    Volunteer,
)
from hotline.tasks.calls import text_caller
from hotline.telephony import FakeTelephony
from hotline.web.voice import routes
from tests.helpers import PUBLIC_BASE_URL, VOICEMAIL, configure

ME = "+8613800000001"


@pytest.fixture
def texts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Tickets whose caller the webhooks queued a text for (the broker is outside the test)."""
    queued: list[int] = []

    def enqueue(ticket_id: int) -> bool:
        queued.append(ticket_id)
        return True

    monkeypatch.setattr(routes, "enqueue_text_caller", enqueue)
    return queued


def slowly(ref: str) -> str:
    return "，".join("零一二三四五六七八九"[int(d)] for d in ref)


def only_ticket(session: Session) -> Ticket:
    session.expire_all()
    row: Ticket = session.scalars(select(Ticket)).one()
    return row


def test_star_says_the_reference_again_then_the_call_goes_on(
    session: Session, simulator: Simulator, on_duty: Callable[[int], list[Volunteer]]
) -> None:
    on_duty(1)

    talk = simulator.run(Caller(presses=["2"], repeat_reference=2, voicemail=None))

    ref = only_ticket(session).ref
    assert ref is not None and 4 <= len(ref) <= 6
    # Twice each time: at first and after each of the two stars.
    assert sum(slowly(ref) in line for line in talk.lines) == 6
    assert sum("caller presses: *" in line for line in talk.lines) == 2
    assert any("请在提示音后留言" in line for line in talk.lines)  # then on to voicemail


def reply(response: TestResponse) -> ET.Element:
    assert response.status_code == 200
    return ET.fromstring(response.get_data(as_text=True))  # noqa: S314


def test_after_a_voicemail_the_reference_is_offered_again_before_goodbye(
    session: Session,
    simulator: Simulator,
    on_duty: Callable[[int], list[Volunteer]],
    twilio_post: Callable[..., TestResponse],
) -> None:
    on_duty(1)
    talk = simulator.run(Caller(presses=["2"], voicemail=VOICEMAIL))
    ref = only_ticket(session).ref
    assert ref is not None
    # As while the caller still hears it: before the carrier's final status of the call.
    call = session.scalars(select(Call)).one()
    call.ended_at = None
    session.commit()
    params = {"CallSid": talk.call_sid, "From": ME}

    again = reply(twilio_post("/voice/reference?then=bye", {**params, "Digits": "*"}))
    done = reply(twilio_post("/voice/reference?then=bye", {**params, "Digits": "1"}))

    gather, goodbye, hangup = list(again)
    assert gather.tag == "Gather"
    assert gather.get("action") == f"{PUBLIC_BASE_URL}/voice/reference?then=bye"
    assert (gather.get("numDigits"), gather.get("timeout")) == ("1", "3")
    said = [say.text or "" for say in gather]
    assert said == [
        f"您的工单号是 {slowly(ref)}。",
        f"再说一遍，工单号是 {slowly(ref)}。",
        "重听工单号请按星号键。",
    ]
    assert (goodbye.text, hangup.tag) == ("感谢您的来电，再见。", "Hangup")
    assert [verb.tag for verb in done] == ["Say", "Hangup"]


def test_a_call_ending_with_a_ticket_texts_its_caller_once(
    session: Session,
    simulator: Simulator,
    on_duty: Callable[[int], list[Volunteer]],
    telephony: FakeTelephony,
    twilio_post: Callable[..., TestResponse],
    texts: list[int],
) -> None:
    on_duty(1)
    talk = simulator.run(Caller(from_number=ME, presses=["1", "2"], voicemail=VOICEMAIL))
    # The carrier retries the final callback; each redelivery queues nothing more.
    for _ in range(2):
        twilio_post("/voice/status", {"CallSid": talk.call_sid, "CallStatus": "completed"})
    ticket = only_ticket(session)
    assert texts == [ticket.id]

    text_caller(ticket.id)
    text_caller(ticket.id)  # a redelivered task

    assert telephony.sms == [
        (ME, f"【社区关爱热线】您的来电已登记，工单号{ticket.ref}。查询进度请拨打本热线按5。")
    ]
    session.expire_all()
    note = session.scalars(select(Notification)).one()
    assert (note.key, note.kind) == (f"caller:{ticket.id}", NotificationKind.CALLER)
    kinds = session.scalars(
        select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)
    ).all()
    assert kinds.count(EventKind.SMS) == 1


def test_an_english_caller_is_texted_in_english(
    session: Session,
    simulator: Simulator,
    on_duty: Callable[[int], list[Volunteer]],
    telephony: FakeTelephony,
    texts: list[int],
) -> None:
    on_duty(1)
    simulator.run(Caller(from_number=ME, presses=["9", "4", "2"], voicemail=None))

    text_caller(texts[0])

    ((to, body),) = telephony.sms
    assert to == ME
    assert body.startswith(
        f"[Care hotline] Your call is logged as ticket {only_ticket(session).ref}."
    )


def test_a_withheld_number_is_never_texted(
    session: Session,
    simulator: Simulator,
    on_duty: Callable[[int], list[Volunteer]],
    telephony: FakeTelephony,
    texts: list[int],
) -> None:
    on_duty(1)
    simulator.run(Caller(from_number="anonymous", presses=["2"], voicemail=None))

    text_caller(texts[0])

    assert telephony.sms == []
    assert session.scalars(select(Notification)).all() == []


def test_the_text_can_be_switched_off(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    session: Session,
    simulator: Simulator,
    on_duty: Callable[[int], list[Volunteer]],
    texts: list[int],
) -> None:
    configure(app, monkeypatch, caller_sms=False)
    on_duty(1)

    simulator.run(Caller(from_number=ME, presses=["2"], voicemail=VOICEMAIL))

    assert only_ticket(session).id is not None
    assert texts == []
