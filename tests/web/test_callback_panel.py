"""The ticket page's call back panel: shown for tickets with a caller number, prominent for
calls nobody spoke with; posting it saves the call back and queues the carrier's call."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Callback, CallbackStatus, Role, TicketSource, User
from hotline.web.dashboard import callbacks
from tests import factories
from tests.helpers import configure, page

LINE = "+8657100000000"


@pytest.fixture
def queued(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Call backs handed to the broker (the broker itself is outside the test)."""
    configure(app, monkeypatch, line_number=LINE)
    ids: list[int] = []

    def enqueue(callback_id: int) -> bool:
        ids.append(callback_id)
        return True

    monkeypatch.setattr(callbacks, "enqueue_callback", enqueue)
    return ids


def panel(html: str) -> str:
    match = re.search(r'<section class="card callback-panel[^"]*"[^>]*>.*?</section>', html, re.S)
    return match.group(0) if match else ""


def linked_supervisor(sign_in: Callable[..., User]) -> User:
    volunteer = factories.VolunteerFactory(mobile="+8613900000042")
    return sign_in(role=Role.SUPERVISOR, volunteer_id=volunteer.id)


@pytest.mark.parametrize(
    ("source", "prominent"),
    [
        (TicketSource.ABANDONED, True),
        (TicketSource.VOICEMAIL_EMPTY, True),
        (TicketSource.ANSWERED, False),
    ],
)
def test_the_panel_stands_out_for_calls_nobody_spoke_with(
    client: FlaskClient,
    sign_in: Callable[..., User],
    queued: list[int],
    source: TicketSource,
    prominent: bool,
) -> None:
    ticket = factories.TicketFactory(caller_number="+8613800000001", source=source)
    linked_supervisor(sign_in)

    html = panel(page(client, f"/tickets/{ticket.number}"))

    assert "通过热线回拨" in html
    assert f'action="/tickets/{ticket.number}/callback"' in html
    assert ("callback-needed" in html) is prominent
    assert "+8613800000001" not in html  # the panel never shows the resident's number


def test_no_panel_without_a_number_to_call(
    client: FlaskClient, sign_in: Callable[..., User], queued: list[int]
) -> None:
    ticket = factories.TicketFactory(caller_number="anonymous")
    linked_supervisor(sign_in)

    assert panel(page(client, f"/tickets/{ticket.number}")) == ""


def test_posting_saves_the_call_back_and_queues_it(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], queued: list[int]
) -> None:
    ticket = factories.TicketFactory(caller_number="+8613800000001")
    user = linked_supervisor(sign_in)

    response = client.post(f"/tickets/{ticket.number}/callback", data={"via": "me"})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/tickets/{ticket.number}"
    row = session.scalars(select(Callback)).one()
    assert (row.agent_number, row.resident_number) == ("+8613900000042", "+8613800000001")
    assert (row.status, row.user_id) == (CallbackStatus.REQUESTED, user.id)
    assert queued == [row.id]
    html = page(client, f"/tickets/{ticket.number}")
    assert "热线正在呼叫您的手机" in html
    assert "已申请" in panel(html)


def test_a_refusal_is_flashed_and_nothing_is_queued(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], queued: list[int]
) -> None:
    ticket = factories.TicketFactory(caller_number="+8613800000001")
    sign_in(role=Role.SUPERVISOR)  # no linked volunteer: no mobile to ring

    client.post(f"/tickets/{ticket.number}/callback", data={"via": "me"})

    assert session.scalars(select(Callback)).all() == []
    assert queued == []
    assert "您的账号没有关联志愿者手机号" in page(client, f"/tickets/{ticket.number}")


def test_a_broker_that_is_down_fails_the_call_back_instead_of_blocking_the_next(
    app: Flask,
    client: FlaskClient,
    session: Session,
    sign_in: Callable[..., User],
    queued: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(callbacks, "enqueue_callback", lambda callback_id: False)
    ticket = factories.TicketFactory(caller_number="+8613800000001")
    linked_supervisor(sign_in)

    client.post(f"/tickets/{ticket.number}/callback", data={"via": "me"})

    session.expire_all()
    assert session.scalars(select(Callback.status)).one() is CallbackStatus.FAILED
    assert "回拨未能发起" in page(client, f"/tickets/{ticket.number}")


def test_a_volunteer_cannot_call_back_a_ticket_outside_their_scope(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], queued: list[int]
) -> None:
    ticket = factories.TicketFactory(caller_number="+8613800000001")
    volunteer = factories.VolunteerFactory()
    sign_in(role=Role.VOLUNTEER, volunteer_id=volunteer.id)

    response = client.post(f"/tickets/{ticket.number}/callback", data={"via": "me"})

    assert response.status_code == 403
    assert session.scalars(select(Callback)).all() == []
