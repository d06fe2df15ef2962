"""The satisfaction question by phone (HOTLINE_SURVEY_CALL): one call per resolved ticket,
played by the simulator; a key 1-5 rates the ticket, 1 or 2 reopens it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.devtools.simulator import Simulator
from hotline.models import EventKind, Ticket, TicketEvent, TicketStatus
from hotline.tasks.calls import survey_calls
from hotline.telephony import FakeTelephony
from tests import factories
from tests.helpers import PUBLIC_BASE_URL, configure

LINE = "+8657100000000"
RESIDENT = "+8613800000001"


@pytest.fixture
def by_phone(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    return configure(app, monkeypatch, survey_call=True, line_number=LINE)


def resolved(session: Session, minutes_ago: int = 60, **fields: object) -> Ticket:
    at = utcnow() - timedelta(minutes=minutes_ago)
    values: dict[str, object] = {
        "caller_number": RESIDENT,
        "ref": "4821",
        "status": TicketStatus.RESOLVED,
        "resolved_at": at,
        **fields,
    }
    ticket: Ticket = factories.TicketFactory(**values)
    session.commit()
    return ticket


def reloaded(session: Session, ticket: Ticket) -> Ticket:
    session.expire_all()
    row = session.get(Ticket, ticket.id)
    assert row is not None
    return row


def test_a_resolved_ticket_gets_one_call_showing_the_line(
    by_phone: Flask, session: Session, telephony: FakeTelephony
) -> None:
    ticket = resolved(session)
    resolved(session, minutes_ago=5, ref="1111")  # resolved too recently: not yet
    resolved(session, caller_number="anonymous", ref="2222")  # nobody to call

    survey_calls()
    survey_calls()

    (placed,) = telephony.calls
    assert (placed.to, placed.from_) == (RESIDENT, LINE)
    assert placed.url == f"{PUBLIC_BASE_URL}/voice/survey?ticket={ticket.id}"
    assert reloaded(session, ticket).survey_sent_at is not None


def test_nothing_is_called_unless_configured(
    app: Flask, session: Session, telephony: FakeTelephony
) -> None:
    resolved(session)

    survey_calls()

    assert telephony.calls == []


@pytest.mark.parametrize(
    ("key", "status"), [("5", TicketStatus.RESOLVED), ("2", TicketStatus.IN_PROGRESS)]
)
def test_a_key_rates_the_ticket_and_a_low_score_reopens_it(
    by_phone: Flask,
    session: Session,
    telephony: FakeTelephony,
    simulator: Simulator,
    key: str,
    status: TicketStatus,
) -> None:
    ticket = resolved(session)
    survey_calls()

    talk = simulator.play_outbound(telephony.calls[0], presses=[key])

    row = reloaded(session, ticket)
    assert (row.satisfaction, row.status) == (int(key), status)
    assert any("您的工单四，八，二，一已经处理完毕" in line for line in talk.lines)
    assert "谢谢您的评价" in talk.lines[-2]
    rated = session.scalars(
        select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.RATED
        )
    ).one()
    assert rated.to_value == key


def test_a_wrong_key_asks_again_and_silence_ends_without_a_score(
    by_phone: Flask, session: Session, telephony: FakeTelephony, simulator: Simulator
) -> None:
    ticket = resolved(session)
    survey_calls()

    talk = simulator.play_outbound(telephony.calls[0], presses=["9", None])

    assert any("请按1到5之间的数字" in line for line in talk.lines)
    assert any("没有收到您的评分" in line for line in talk.lines)
    assert reloaded(session, ticket).satisfaction is None


def test_an_unanswered_call_is_noted_and_not_repeated(
    by_phone: Flask, session: Session, telephony: FakeTelephony, simulator: Simulator
) -> None:
    ticket = resolved(session)
    survey_calls()

    simulator.play_outbound(telephony.calls[0], agent="no-answer")
    survey_calls()

    assert len(telephony.calls) == 1
    notes = session.scalars(
        select(TicketEvent.note).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.field == "survey"
        )
    ).all()
    assert notes == [
        "satisfaction question by phone",
        "satisfaction call not answered (no-answer)",
    ]
