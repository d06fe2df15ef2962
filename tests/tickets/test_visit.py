"""The technician's visit window: both ends or neither, an event per change, and the ticket
page's panel that sets it in local time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import EventKind, TicketEvent, User
from hotline.tickets import workflow
from tests.factories import TicketFactory
from tests.helpers import text

START = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
END = START + timedelta(hours=2)
ZONE = "Asia/Shanghai"


def test_a_window_is_set_changed_and_cleared(session: Session) -> None:
    ticket = TicketFactory()
    at = START - timedelta(days=1)

    event = workflow.set_visit(session, ticket, START, END, workflow.SYSTEM, at, timezone=ZONE)
    assert event is not None and event.to_value == "2026-11-20 10:00 – 2026-11-20 12:00"
    assert (ticket.visit_from, ticket.visit_until) == (START, END)
    assert (
        workflow.set_visit(session, ticket, START, END, workflow.SYSTEM, at, timezone=ZONE) is None
    )
    cleared = workflow.set_visit(session, ticket, None, None, workflow.SYSTEM, at, timezone=ZONE)
    assert cleared is not None and cleared.to_value == "" and ticket.visit_from is None


@pytest.mark.parametrize(("start", "end"), [(START, None), (END, START), (START, START)])
def test_a_half_or_backwards_window_is_refused(
    session: Session, start: datetime | None, end: datetime | None
) -> None:
    ticket = TicketFactory()
    with pytest.raises(workflow.TicketError):
        workflow.set_visit(session, ticket, start, end, workflow.SYSTEM, START, timezone=ZONE)
    assert ticket.visit_from is None


def test_the_ticket_page_sets_the_window_in_local_time(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    ticket = TicketFactory()
    sign_in(role="supervisor")

    response = client.post(
        f"/tickets/{ticket.number}/visit",
        data={"visit_from": "2026-11-20T10:00", "visit_until": "2026-11-20T12:00"},
    )

    assert response.status_code == 302
    session.refresh(ticket)
    assert (ticket.visit_from, ticket.visit_until) == (START, END)
    event = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.field == "visit")
    ).one()
    assert event.kind is EventKind.FIELD
    page = text(client.get(f"/tickets/{ticket.number}"))
    assert 'value="2026-11-20T10:00"' in page and "上门时间" in page
