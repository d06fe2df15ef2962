"""Forwarding on a carrier without call screening (HOTLINE_CARRIER_SCREENING=false, Somleng):
each volunteer rings alone, without a screening URL, for at most the unscreened ring timeout,
and a bridged <Dial> counts as answered by that volunteer."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.models import Call, CallOutcome, Ticket, TicketSource, Volunteer
from hotline.telephony import FakeTelephony
from tests.calls.test_reconcile import carrier_call, run
from tests.calls.test_routing import flow_with_routing
from tests.helpers import configure

SID = "CA" + "5" * 32
BASE = {"CallSid": SID, "From": "+8613900000009", "To": "+8657100000000"}

Post = Callable[..., TestResponse]


def twiml(response: TestResponse) -> ET.Element:
    assert response.status_code == 200
    return ET.fromstring(response.get_data(as_text=True))  # noqa: S314  (our own TwiML)


def forward(post: Post) -> ET.Element:
    """Ring the line and press 0 (talk to a person): the first <Dial>."""
    twiml(post("/voice/incoming", {**BASE, "CallStatus": "ringing"}))
    dial = twiml(post("/voice/gather?step=0", {**BASE, "Digits": "0"})).find("Dial")
    assert dial is not None
    return dial


def dialled(dial: ET.Element) -> list[tuple[str, dict[str, str]]]:
    return [((n.text or "").strip(), dict(n.attrib)) for n in dial.iter("Number")]


def dial_ended(post: Post, group: int, status: str) -> ET.Element:
    return twiml(
        post(
            f"/voice/dial?idx={group}",
            {**BASE, "CallStatus": "in-progress", "DialCallStatus": status},
        )
    )


def the_call(session: Session) -> tuple[Call, Ticket]:
    session.expire_all()
    return session.scalars(select(Call)).one(), session.scalars(select(Ticket)).one()


@pytest.fixture
def unscreened(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    return configure(app, monkeypatch, carrier_screening=False)


def test_each_volunteer_rings_alone_without_a_screening_url_for_the_shorter_timeout(
    unscreened: Flask, on_duty: Callable[[int], list[Volunteer]], twilio_post: Post
) -> None:
    volunteers = on_duty(2)

    dial = forward(twilio_post)

    assert dialled(dial) == [(volunteers[0].mobile, {})]
    assert dial.get("timeout") == "15"  # HOTLINE_RING_TIMEOUT is 20: the unscreened cap wins
    assert dial.get("action", "").endswith("/voice/dial?idx=0")
    # Nobody picked up: the next volunteer, alone too.
    again = dial_ended(twilio_post, 0, "no-answer").find("Dial")
    assert again is not None and dialled(again) == [(volunteers[1].mobile, {})]


def test_a_bridged_dial_is_answered_by_the_volunteer_rung(
    unscreened: Flask,
    session: Session,
    on_duty: Callable[[int], list[Volunteer]],
    twilio_post: Post,
) -> None:
    volunteers = on_duty(2)
    forward(twilio_post)
    dial_ended(twilio_post, 0, "busy")

    after = dial_ended(twilio_post, 1, "completed")

    assert [verb.tag for verb in after] == ["Say", "Hangup"]  # goodbye
    call, ticket = the_call(session)
    assert call.outcome is CallOutcome.ANSWERED
    assert (call.accepted_index, call.answered_by_id) == (1, volunteers[1].id)
    assert ticket.source is TicketSource.ANSWERED
    # The carrier's final status and a redelivered action change nothing.
    twilio_post("/voice/status", {**BASE, "CallStatus": "completed", "CallDuration": "95"})
    assert [verb.tag for verb in dial_ended(twilio_post, 1, "completed")] == ["Hangup"]
    call, ticket = the_call(session)
    assert (call.outcome, call.answered_by_id) == (CallOutcome.ANSWERED, volunteers[1].id)
    assert ticket.source is TicketSource.ANSWERED


def test_the_dial_action_after_the_final_status_still_makes_the_call_answered(
    unscreened: Flask,
    session: Session,
    on_duty: Callable[[int], list[Volunteer]],
    twilio_post: Post,
) -> None:
    volunteers = on_duty(1)
    forward(twilio_post)
    twilio_post("/voice/status", {**BASE, "CallStatus": "completed", "CallDuration": "95"})
    assert the_call(session)[0].outcome is CallOutcome.ABANDONED  # as far as we know yet

    dial_ended(twilio_post, 0, "completed")

    call, ticket = the_call(session)
    assert (call.outcome, call.answered_by_id) == (CallOutcome.ANSWERED, volunteers[0].id)
    assert ticket.source is TicketSource.ANSWERED


def test_simultaneous_groups_ring_one_phone_at_a_time_and_a_shorter_flow_timeout_stays(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    on_duty: Callable[[int], list[Volunteer]],
    twilio_post: Post,
) -> None:
    flow = flow_with_routing(
        tmp_path, strategy="simultaneous", ring_group_size=3, ring_timeout_s=10
    )
    configure(app, monkeypatch, carrier_screening=False, ivr_flow_path=flow)
    volunteers = on_duty(3)

    dial = forward(twilio_post)

    assert dialled(dial) == [(volunteers[0].mobile, {})]
    assert dial.get("timeout") == "10"


def test_with_screening_a_bridged_dial_without_a_1_is_not_an_answer(
    session: Session, on_duty: Callable[[int], list[Volunteer]], twilio_post: Post
) -> None:
    on_duty(1)
    dial = forward(twilio_post)
    number = dial.find("Number")
    assert number is not None and "/voice/screen?" in number.get("url", "")
    assert dial.get("timeout") == "20"

    after = dial_ended(twilio_post, 0, "completed")  # e.g. a voicemail picked up the screen

    assert after.find("Record") is not None  # nobody accepted: on to voicemail
    call, _ = the_call(session)
    assert (call.accepted_index, call.answered_by_id) == (None, None)


@pytest.mark.parametrize("screening", [False, True])
def test_reconciliation_answers_the_call_whose_dial_action_never_came(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    session: Session,
    telephony: FakeTelephony,
    on_duty: Callable[[int], list[Volunteer]],
    twilio_post: Post,
    screening: bool,
) -> None:
    """The caller hung up while talking with the volunteer, and the carrier sent the final
    status but no <Dial> action: the volunteer's leg, listed as answered, says who took it."""
    configure(app, monkeypatch, carrier_screening=screening)
    volunteers = on_duty(2)
    forward(twilio_post)
    twilio_post("/voice/status", {**BASE, "CallStatus": "completed", "CallDuration": "95"})
    leg = carrier_call(
        "CA" + "6" * 32,
        from_number=BASE["To"],
        to_number=volunteers[0].mobile,
        direction="outbound-dial",
        parent_sid=SID,
        duration_s=80,
    )
    telephony.carrier_calls.append(leg)

    first, again = run(app), run(app)

    call, ticket = the_call(session)
    if screening:  # a screened volunteer may have declined: only their 1 is an answer
        assert (call.outcome, call.answered_by_id, first.calls_settled) == (
            CallOutcome.ABANDONED,
            None,
            0,
        )
        return
    assert (call.outcome, call.answered_by_id) == (CallOutcome.ANSWERED, volunteers[0].id)
    assert ticket.source is TicketSource.ANSWERED
    assert (first.calls_settled, again.calls_settled) == (1, 0)
    # The action arriving after all changes nothing.
    assert [verb.tag for verb in dial_ended(twilio_post, 0, "completed")] == ["Hangup"]
