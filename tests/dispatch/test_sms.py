"""Technicians work tickets by SMS and residents answer the survey: hotline.dispatch.receive."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import dispatch
from hotline.db import utcnow
from hotline.messaging.texts import text
from hotline.models import (
    EventKind,
    InboundSms,
    Technician,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from hotline.tickets import workflow
from tests.dispatch.factories import TechnicianFactory
from tests.factories import TicketFactory

SIDS = count(1)
NOW = utcnow()
TECH_MOBILE = "+8613700001111"


def sms(body: str, sender: str = TECH_MOBILE, sid: str | None = None) -> dispatch.Incoming:
    return dispatch.Incoming(sid or f"SM{next(SIDS):032d}", sender, body)


@pytest.fixture
def tech(session: Session) -> Technician:
    return TechnicianFactory(name="王师傅", mobile=TECH_MOBILE)


def assigned_ticket(technician: Technician, **fields: object) -> Ticket:
    values: dict[str, object] = {"ref": "4821", "status": TicketStatus.ASSIGNED, **fields}
    ticket: Ticket = TicketFactory(technician=technician, **values)
    return ticket


def events(session: Session, ticket: Ticket) -> list[TicketEvent]:
    session.flush()
    return list(
        session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        )
    )


def test_accept_puts_the_ticket_in_progress_as_the_technician(
    session: Session, tech: Technician
) -> None:
    ticket = assigned_ticket(tech)
    outcome = dispatch.receive(session, sms("接 4821"), NOW)
    assert (outcome.outcome, outcome.ticket_id) == ("accepted", ticket.id)
    assert outcome.reply == text("sms.reply_accepted", ref="4821")
    assert ticket.status is TicketStatus.IN_PROGRESS
    [event] = events(session, ticket)
    assert (event.kind, event.actor, event.from_value, event.to_value) == (
        EventKind.STATUS,
        "王师傅",
        "assigned",
        "in_progress",
    )


def test_done_resolves_with_the_note(session: Session, tech: Technician) -> None:
    ticket = assigned_ticket(tech, status=TicketStatus.IN_PROGRESS)
    outcome = dispatch.receive(session, sms("完成 ４８２１ 换了水龙头"), NOW)
    assert outcome.outcome == "done"
    assert (ticket.status, ticket.resolved_at) == (TicketStatus.RESOLVED, NOW)
    [event] = events(session, ticket)
    assert (event.actor, event.to_value, event.note) == ("王师傅", "resolved", "换了水龙头")


def test_done_without_a_note_keeps_the_message_as_the_note(
    session: Session, tech: Technician
) -> None:
    ticket = assigned_ticket(tech)
    dispatch.receive(session, sms("DONE 4821"), NOW)
    assert ticket.status is TicketStatus.RESOLVED
    assert events(session, ticket)[-1].note == "DONE 4821"


def test_decline_reopens_and_asks_the_caller_to_tell_supervisors(
    session: Session, tech: Technician
) -> None:
    ticket = assigned_ticket(tech)
    outcome = dispatch.receive(session, sms("DECLINE 4821 too far"), NOW)
    assert outcome.outcome == "declined"
    assert (ticket.status, ticket.technician_id) == (TicketStatus.OPEN, None)
    [event] = events(session, ticket)
    assert outcome.declined_event_id == event.id
    assert (event.actor, event.to_value, event.note) == ("王师傅", "open", "too far")


@pytest.mark.parametrize("typed", ["2026-900777", "900777"])
def test_the_full_number_and_its_sequence_name_the_ticket(
    session: Session, tech: Technician, typed: str
) -> None:
    ticket = assigned_ticket(tech, seq=900777, year=NOW.year, number=f"{NOW.year}-900777")
    typed = typed.replace("2026", str(NOW.year))
    assert dispatch.receive(session, sms(f"ACCEPT {typed}"), NOW).outcome == "accepted"
    assert ticket.status is TicketStatus.IN_PROGRESS


def test_a_sequence_matching_another_ticket_prefers_the_senders_own(
    session: Session, tech: Technician
) -> None:
    other = TicketFactory(ref="9999", status=TicketStatus.ASSIGNED, technician=TechnicianFactory())
    mine = assigned_ticket(tech, seq=9999, year=NOW.year, number=f"{NOW.year}-009999")
    assert dispatch.receive(session, sms("接 9999"), NOW).ticket_id == mine.id
    assert (mine.status, other.status) == (TicketStatus.IN_PROGRESS, TicketStatus.ASSIGNED)


def test_only_the_assigned_technician_changes_a_ticket(session: Session, tech: Technician) -> None:
    ticket = assigned_ticket(TechnicianFactory(name="李师傅"))
    outcome = dispatch.receive(session, sms("完成 4821 好了"), NOW)
    assert outcome.outcome == "refused"
    assert outcome.reply == text("sms.reply_not_yours", ticket="4821")
    assert ticket.status is TicketStatus.ASSIGNED
    assert events(session, ticket) == []


def test_a_number_that_is_no_technician_is_refused(session: Session, tech: Technician) -> None:
    ticket = assigned_ticket(tech)
    outcome = dispatch.receive(session, sms("接 4821", sender="+8613900000000"), NOW)
    assert (outcome.outcome, outcome.reply) == ("refused", text("sms.reply_not_technician"))
    assert ticket.status is TicketStatus.ASSIGNED


def test_an_unknown_ticket_gets_a_helpful_reply(session: Session, tech: Technician) -> None:
    outcome = dispatch.receive(session, sms("接 5555"), NOW)
    assert outcome.outcome == "unknown_ticket"
    assert outcome.reply == text("sms.reply_unknown_ticket", ticket="5555")


def test_an_unknown_command_from_a_technician_gets_the_commands(
    session: Session, tech: Technician
) -> None:
    outcome = dispatch.receive(session, sms("今天下雨能不能改天"), NOW)
    assert (outcome.outcome, outcome.reply) == ("unknown", text("sms.reply_help"))
    assert "接" in outcome.reply and "ACCEPT" in text("sms.reply_help", "en")


def test_a_resolved_ticket_cannot_be_accepted_again(session: Session, tech: Technician) -> None:
    ticket = assigned_ticket(tech, status=TicketStatus.RESOLVED, resolved_at=NOW)
    outcome = dispatch.receive(session, sms("接 4821"), NOW)
    assert outcome.reply == text("sms.reply_closed", ref="4821")
    assert ticket.status is TicketStatus.RESOLVED


def test_resending_a_command_changes_nothing_twice(session: Session, tech: Technician) -> None:
    ticket = assigned_ticket(tech)
    first = dispatch.receive(session, sms("完成 4821 修好了"), NOW)
    again = dispatch.receive(session, sms("完成 4821 修好了"), NOW)  # a new message
    assert (first.outcome, again.outcome) == ("done", "repeated")
    assert first.reply == again.reply
    assert len(events(session, ticket)) == 1


def test_a_carrier_retry_is_answered_the_same_and_changes_nothing(
    session: Session, tech: Technician
) -> None:
    ticket = assigned_ticket(tech)
    message = sms("退 4821", sid="SMretry")
    first = dispatch.receive(session, message, NOW)
    ticket.technician = tech  # even were it assigned again meanwhile
    ticket.technician_id = tech.id
    ticket.status = TicketStatus.ASSIGNED
    retry = dispatch.receive(session, message, NOW + timedelta(seconds=30))
    assert retry.replay and not first.replay
    assert (retry.reply, retry.outcome, retry.declined_event_id) == (first.reply, "declined", None)
    assert ticket.status is TicketStatus.ASSIGNED
    assert len(events(session, ticket)) == 1
    stored = session.scalar(select(func.count()).select_from(InboundSms)) or 0
    assert stored == 1


def test_every_message_is_kept_with_its_reply(session: Session, tech: Technician) -> None:
    ticket = assigned_ticket(tech)
    dispatch.receive(session, sms("ACCEPT 4821", sid="SMkept"), NOW)
    row = session.scalars(select(InboundSms)).one()
    assert (row.from_number, row.body, row.outcome, row.ticket_id) == (
        TECH_MOBILE,
        "ACCEPT 4821",
        "accepted",
        ticket.id,
    )
    assert row.reply == text("sms.reply_accepted", ref="4821")


RESIDENT = "+8613800002222"


def surveyed(**fields: object) -> Ticket:
    values: dict[str, object] = {
        "ref": "7310",
        "caller_number": RESIDENT,
        "status": TicketStatus.RESOLVED,
        "resolved_at": NOW - timedelta(hours=1),
        "survey_sent_at": NOW - timedelta(minutes=20),
        **fields,
    }
    ticket: Ticket = TicketFactory(**values)
    return ticket


def test_a_residents_digit_rates_the_ticket_awaiting_a_score(session: Session) -> None:
    ticket = surveyed()
    outcome = dispatch.receive(session, sms("５", sender=RESIDENT), NOW)
    assert (outcome.outcome, outcome.reply) == ("rated", text("sms.reply_rated", score=5))
    assert (ticket.satisfaction, ticket.rated_at, ticket.status) == (5, NOW, TicketStatus.RESOLVED)
    [event] = events(session, ticket)
    assert (event.kind, event.to_value) == (EventKind.RATED, "5")


def test_a_low_score_reopens_the_ticket(session: Session) -> None:
    ticket = surveyed()
    outcome = dispatch.receive(session, sms("1", sender=RESIDENT), NOW)
    assert outcome.reply == text("sms.reply_rated_low", score=1)
    assert (ticket.satisfaction, ticket.status) == (1, TicketStatus.IN_PROGRESS)


def test_a_second_score_changes_nothing(session: Session) -> None:
    ticket = surveyed()
    dispatch.receive(session, sms("4", sender=RESIDENT), NOW)
    outcome = dispatch.receive(session, sms("1", sender=RESIDENT), NOW)
    assert outcome.reply == text("sms.reply_resident_help")
    assert (ticket.satisfaction, ticket.status) == (4, TicketStatus.RESOLVED)


def test_a_digit_from_a_number_nobody_asked_rates_nothing(session: Session) -> None:
    ticket = surveyed()
    outcome = dispatch.receive(session, sms("5", sender="+8613800009999"), NOW)
    assert outcome.reply == text("sms.reply_resident_help")
    assert ticket.satisfaction is None


def test_other_words_from_a_surveyed_resident_ask_for_a_digit(session: Session) -> None:
    surveyed()
    outcome = dispatch.receive(session, sms("很好，谢谢", sender=RESIDENT), NOW)
    assert outcome.reply == text("sms.reply_score_help")


def test_unknown_senders_get_the_lines_help(session: Session) -> None:
    outcome = dispatch.receive(session, sms("你好", sender="+8613800009999"), NOW)
    assert (outcome.outcome, outcome.reply) == ("unknown", text("sms.reply_resident_help"))


def test_a_ticket_not_yet_surveyed_takes_no_score(session: Session) -> None:
    ticket = surveyed(survey_sent_at=None)
    dispatch.receive(session, sms("5", sender=RESIDENT), NOW)
    assert ticket.satisfaction is None


def test_workflow_refusals_are_not_raised_to_the_webhook(
    session: Session, tech: Technician, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = assigned_ticket(tech)

    def refuse(*args: object, **kwargs: object) -> None:
        raise workflow.TicketError("no")

    monkeypatch.setattr(workflow, "change_status", refuse)
    outcome = dispatch.receive(session, sms("接 4821"), NOW)
    assert (outcome.outcome, outcome.reply) == ("refused", text("sms.reply_closed", ref="4821"))
    assert ticket.status is TicketStatus.ASSIGNED
