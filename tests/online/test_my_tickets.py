"""My tickets: a number's tickets from calls and the web in one list, with the public part of
their timelines; notes, photos, confirming it fixed and rating it like the SMS survey."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from hotline.dispatch import sms
from hotline.models import EventKind, Ticket, TicketSource, TicketStatus
from hotline.online import my_tickets, submission
from hotline.photos import accept_photo
from hotline.tickets import intake, workflow
from tests.factories import CallFactory, CategoryFactory, CommunityFactory
from tests.online.conftest import NOW, NUMBER, jpeg

LATER = NOW + timedelta(hours=2)


def web_ticket(session: Session, tmp_path: Path, number: str = NUMBER) -> Ticket:
    filed = submission.Report(CategoryFactory().id, CommunityFactory().id, "1栋", "灯坏了")
    return submission.submit(
        session,
        number,
        filed,
        NOW,
        timezone="Asia/Shanghai",
        sla_hours=72,
        address="10.0.0.1",
        photos_dir=tmp_path,
    )


def call_ticket(session: Session, number: str = NUMBER) -> Ticket:
    call = CallFactory(from_number=number)
    at = NOW - timedelta(days=1)
    return intake.open_for_call(session, call, now=at, timezone="Asia/Shanghai", sla_hours=72)


def test_web_and_call_tickets_of_a_number_in_one_list(session: Session, tmp_path: Path) -> None:
    web = web_ticket(session, tmp_path)
    by_phone = call_ticket(session)
    call_ticket(session, "+8613900000000")  # someone else's
    web_ticket(session, tmp_path, "+8613700000000")

    listed = my_tickets.tickets_of(session, NUMBER)

    assert [m.ticket.id for m in listed] == [web.id, by_phone.id]  # newest first
    assert listed[0].ticket.source is TicketSource.WEB


def test_a_call_ticket_stored_as_typed_is_found(session: Session) -> None:
    by_phone = call_ticket(session, "13800138000")
    assert [m.ticket.id for m in my_tickets.tickets_of(session, NUMBER)] == [by_phone.id]


def test_the_timeline_shows_only_public_events(session: Session, tmp_path: Path) -> None:
    ticket = web_ticket(session, tmp_path)
    worker = workflow.Actor("王主管", user_id=None)
    workflow.add_note(session, ticket, worker, LATER, "内部：此人多次来电")
    my_tickets.add_note(session, ticket, "  晚上在家  ", LATER)
    workflow.change_status(session, ticket, TicketStatus.IN_PROGRESS, worker, LATER, "内部备注")
    workflow.record(session, ticket, EventKind.SLA, workflow.SYSTEM, LATER, note="预警")

    [mine] = my_tickets.tickets_of(session, NUMBER)

    kinds = [(e.kind, e.status, e.note) for e in mine.events]
    assert kinds == [
        (EventKind.CREATED, None, ""),
        (EventKind.NOTE, None, "晚上在家"),
        (EventKind.STATUS, TicketStatus.IN_PROGRESS, ""),
    ]


def test_the_residents_photos_join_the_timeline(session: Session, tmp_path: Path) -> None:
    ticket = web_ticket(session, tmp_path)
    my_tickets.add_photos(
        session, ticket, [accept_photo(jpeg(), 1_000_000)], LATER, directory=tmp_path
    )

    [mine] = my_tickets.tickets_of(session, NUMBER)
    assert [e.kind for e in mine.events] == [EventKind.CREATED, EventKind.PHOTO]


def test_an_empty_note_is_refused(session: Session, tmp_path: Path) -> None:
    ticket = web_ticket(session, tmp_path)
    with pytest.raises(my_tickets.MyTicketRefused):
        my_tickets.add_note(session, ticket, "   ", LATER)


def test_only_the_numbers_own_ticket_is_found(session: Session, tmp_path: Path) -> None:
    ticket = web_ticket(session, tmp_path)
    assert my_tickets.ticket_of(session, NUMBER, ticket.number) is ticket
    assert my_tickets.ticket_of(session, "+8613900000000", ticket.number) is None


def test_confirming_resolves_and_rates_like_the_sms_survey(
    session: Session, tmp_path: Path
) -> None:
    online = web_ticket(session, tmp_path)
    my_tickets.confirm_fixed(session, online, 4, LATER)

    # The same score by the SMS survey, on a call's ticket.
    by_phone = call_ticket(session, "+8613900000000")
    workflow.change_status(session, by_phone, TicketStatus.RESOLVED, workflow.SYSTEM, NOW, "ok")
    by_phone.survey_sent_at = NOW
    sms.receive(session, sms.Incoming("SM" + "1" * 32, "+8613900000000", "4"), LATER)

    for ticket in (online, by_phone):
        assert ticket.status is TicketStatus.RESOLVED
        assert (ticket.satisfaction, ticket.rated_at) == (4, LATER)
    [mine] = my_tickets.tickets_of(session, NUMBER)
    assert [e.score for e in mine.events if e.kind is EventKind.RATED] == [4]
    assert not mine.can_confirm
    with pytest.raises(my_tickets.MyTicketRefused):
        my_tickets.confirm_fixed(session, online, 5, LATER)


def test_a_low_score_reopens_the_ticket(session: Session, tmp_path: Path) -> None:
    ticket = web_ticket(session, tmp_path)
    my_tickets.confirm_fixed(session, ticket, 2, LATER)
    assert ticket.status is TicketStatus.IN_PROGRESS and ticket.satisfaction == 2


def test_a_ticket_closed_unresolved_cannot_be_rated(session: Session, tmp_path: Path) -> None:
    ticket = web_ticket(session, tmp_path)
    workflow.change_status(session, ticket, TicketStatus.CLOSED, workflow.SYSTEM, LATER, "dup")
    with pytest.raises(my_tickets.MyTicketRefused):
        my_tickets.confirm_fixed(session, ticket, 5, LATER)
