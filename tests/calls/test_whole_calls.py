"""Whole calls driven through signed webhooks by the carrier simulator; rows and tickets checked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import rota, tickets
from hotline.db import utcnow
from hotline.devtools.simulator import Caller, Conversation, Simulator
from hotline.models import (
    Call,
    CallEvent,
    CallOutcome,
    Community,
    Priority,
    Recording,
    RecordingStatus,
    Ticket,
    TicketSource,
    Volunteer,
)
from tests.helpers import VOICEMAIL


def only_call(session: Session) -> tuple[Call, Ticket]:
    session.expire_all()
    call = session.scalars(select(Call)).one()
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.call_id == call.id
    return call, ticket


def heard(conversation: Conversation, text: str) -> bool:
    return any(text in line for line in conversation.lines)


def test_answered_call(
    session: Session, simulator: Simulator, on_duty: Callable[[int], list[Volunteer]]
) -> None:
    first, _ = on_duty(2)
    talk = simulator.run(Caller(presses=["1", "1"], volunteers=["answer"]))

    call, ticket = only_call(session)
    assert call.outcome is CallOutcome.ANSWERED
    assert call.answered_by_id == first.id
    assert call.category_code == "water_electric"
    assert [step["input"] for step in call.path][1:] == ["1", "1"]
    assert [link["number"] for link in call.chain] == ["+8613800000100", "+8613800000101"]
    assert ticket.source is TicketSource.ANSWERED
    assert ticket.category is not None and ticket.category.code == "water_electric"
    assert talk.connected and talk.dialled == ["+8613800000100"]
    # The short reference, slowly, twice, before forwarding; not the yearly number.
    assert ticket.ref is not None
    slowly = "，".join("零一二三四五六七八九"[int(d)] for d in ticket.ref)
    assert sum(slowly in line for line in talk.lines) == 2
    assert heard(talk, "重听工单号请按星号键")
    assert not heard(talk, "二 零 二 六")


def test_no_answer_hunts_to_the_next_volunteer_then_voicemail(
    session: Session, simulator: Simulator, on_duty: Callable[[int], list[Volunteer]]
) -> None:
    on_duty(2)
    talk = simulator.run(
        Caller(presses=["0"], volunteers=["no-answer", "voicemail"], voicemail=VOICEMAIL)
    )

    call, ticket = only_call(session)
    assert talk.dialled == ["+8613800000100", "+8613800000101"]
    assert not talk.connected
    assert call.outcome is CallOutcome.VOICEMAIL
    assert call.accepted_index is None
    recording = session.scalars(select(Recording)).one()
    assert recording.status is RecordingStatus.AWAITING_DOWNLOAD
    assert recording.duration_s == 5
    assert ticket.source is TicketSource.VOICEMAIL
    assert ticket.recording_id == recording.id


def test_busy_volunteer_is_skipped(
    session: Session, simulator: Simulator, on_duty: Callable[[int], list[Volunteer]]
) -> None:
    _, second = on_duty(2)
    talk = simulator.run(Caller(presses=["0"], volunteers=["busy", "answer"]))

    call, ticket = only_call(session)
    assert talk.dialled == ["+8613800000100", "+8613800000101"]
    assert call.outcome is CallOutcome.ANSWERED
    assert call.answered_by_id == second.id
    assert ticket.source is TicketSource.ANSWERED


def test_three_invalid_digits_lead_to_voicemail(
    session: Session, simulator: Simulator, on_duty: Callable[[int], list[Volunteer]]
) -> None:
    on_duty(1)
    talk = simulator.run(Caller(presses=["7", "6", "6"], voicemail=VOICEMAIL))

    call, ticket = only_call(session)
    assert talk.dialled == []
    assert call.outcome is CallOutcome.VOICEMAIL
    assert ticket.source is TicketSource.VOICEMAIL
    assert [step["input"] for step in call.path][1:] == ["7", "6", "6"]


def test_silence_replays_the_menu_then_voicemail(
    session: Session, simulator: Simulator, on_duty: Callable[[int], list[Volunteer]]
) -> None:
    on_duty(1)
    talk = simulator.run(Caller(presses=[], voicemail=None))

    call, ticket = only_call(session)
    assert sum("(silence)" in line for line in talk.lines) == 3
    assert call.outcome is CallOutcome.VOICEMAIL
    assert ticket.source is TicketSource.VOICEMAIL_EMPTY


def test_hang_up_in_the_menu_opens_a_call_back_ticket(
    session: Session, simulator: Simulator, on_duty: Callable[[int], list[Volunteer]]
) -> None:
    on_duty(1)
    simulator.run(Caller(presses=["3"], hang_up_in_menu=True))

    call, ticket = only_call(session)
    assert call.outcome is CallOutcome.ABANDONED
    assert call.ended_at is not None
    assert ticket.source is TicketSource.ABANDONED
    assert ticket.priority is Priority.URGENT  # 3 is the lock-out category
    assert ticket.caller_number == "+8613800000001"


def test_empty_recording_still_yields_a_ticket(
    session: Session, simulator: Simulator, on_duty: Callable[[int], list[Volunteer]]
) -> None:
    on_duty(1)
    simulator.run(Caller(presses=["4", "2"], voicemail=None))

    call, ticket = only_call(session)
    assert call.outcome is CallOutcome.VOICEMAIL
    assert ticket.source is TicketSource.VOICEMAIL_EMPTY
    assert ticket.recording_id is None
    assert session.scalars(select(Recording.carrier_status)).all() == ["absent"]


def test_nobody_on_duty_goes_straight_to_voicemail(
    session: Session, simulator: Simulator, categories: None
) -> None:
    talk = simulator.run(Caller(presses=["0"], voicemail=VOICEMAIL))

    call, ticket = only_call(session)
    assert talk.dialled == []
    assert call.chain == []
    assert call.outcome is CallOutcome.VOICEMAIL
    assert ticket.source is TicketSource.VOICEMAIL


def test_every_webhook_is_logged_once_per_delivery(
    session: Session, simulator: Simulator, on_duty: Callable[[int], list[Volunteer]]
) -> None:
    on_duty(1)
    simulator.run(Caller(presses=["0"], volunteers=["answer"]))
    kinds = session.execute(
        select(CallEvent.kind, func.count()).group_by(CallEvent.kind).order_by(CallEvent.kind)
    ).all()
    assert dict(kinds) == {
        "dial": 1,
        "gather": 1,
        "incoming": 1,
        "screen": 1,
        "screen_result": 1,
        "status": 1,
    }


def test_screening_tells_the_volunteer_the_category_and_the_callers_community(
    session: Session, simulator: Simulator, on_duty: Callable[[int], list[Volunteer]]
) -> None:
    on_duty(1)
    simulator.run(Caller(presses=["2", "1"], volunteers=["no-answer"]))
    _, earlier = only_call(session)
    earlier.community = Community(code="dongcheng", name="东城社区")
    session.commit()

    talk = simulator.run(Caller(presses=["2", "1"], volunteers=["answer"]))

    screened = [line for line in talk.lines if "volunteer hears:" in line]
    assert screened and all("东城社区" in line and "管网维修" in line for line in screened)


@pytest.mark.postgres
def test_a_call_on_postgresql_writes_the_same_rows(
    make_app: Callable[..., Flask], postgres_url: str
) -> None:
    app = make_app(database_url=postgres_url)
    with app.extensions["hotline.db"].sessions() as pg:
        tickets.ensure_categories(pg)
        volunteer = Volunteer(name="志愿者", mobile="+8613800000100")
        pg.add(volunteer)
        pg.flush()
        now = utcnow()
        rota.add_override(
            pg,
            volunteer_id=volunteer.id,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=1),
        )
        pg.commit()
        simulator = Simulator.for_app(app, echo=lambda _: None)
        simulator.run(Caller(presses=["1", "2"], voicemail=VOICEMAIL))
        simulator.run(Caller(presses=["0"], volunteers=["answer"]))

        sources = pg.scalars(select(Ticket.source).order_by(Ticket.number)).all()
        numbers = pg.scalars(select(Ticket.number).order_by(Ticket.number)).all()
    assert sources == [TicketSource.VOICEMAIL, TicketSource.ANSWERED]
    assert [n.split("-")[1] for n in numbers] == ["000001", "000002"]
