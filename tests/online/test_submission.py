"""A web report is a ticket like a call's: numbered, a short reference, the category's clock,
the directory's resident, counted by the KPI the same way; audited; its reference texted."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import kpi
from hotline.calls import notify
from hotline.kpi import PeriodKind
from hotline.models import (
    AuditEntry,
    EventKind,
    Ticket,
    TicketEvent,
    TicketSource,
    TicketStatus,
)
from hotline.online import submission
from hotline.photos import accept_photo
from hotline.telephony import FakeTelephony
from hotline.tickets import intake, residents, workflow
from tests.factories import CallFactory, CategoryFactory, CommunityFactory
from tests.online.conftest import NOW, NUMBER, jpeg


def report(session: Session, **fields: object) -> submission.Report:
    category = fields.pop("category", None) or CategoryFactory(sla_hours=48)
    community = fields.pop("community", None) or CommunityFactory()
    values: dict[str, object] = {
        "category_id": category.id,  # type: ignore[attr-defined]
        "community_id": community.id,  # type: ignore[attr-defined]
        "address": "  3栋 2单元\n501 ",
        "description": "厨房水管漏水，\n地上都是水",
    }
    values.update(fields)
    return submission.Report(**values)  # type: ignore[arg-type]


def submit(session: Session, filed: submission.Report, tmp_path: Path, **kw: object) -> Ticket:
    return submission.submit(
        session,
        NUMBER,
        filed,
        NOW,
        timezone="Asia/Shanghai",
        sla_hours=72,
        address="10.1.2.3",
        photos_dir=tmp_path,
        **kw,  # type: ignore[arg-type]
    )


def test_a_web_report_is_a_numbered_ticket_on_the_clock(session: Session, tmp_path: Path) -> None:
    filed = report(session)
    ticket = submit(session, filed, tmp_path)

    assert ticket.source is TicketSource.WEB and ticket.status is TicketStatus.OPEN
    assert ticket.number == f"2026-{ticket.seq:06d}" and ticket.ref and ticket.ref.isdigit()
    assert ticket.caller_number == NUMBER and ticket.call_id is None
    assert (ticket.category_id, ticket.community_id) == (filed.category_id, filed.community_id)
    assert ticket.address == "3栋 2单元 501" and ticket.summary == "厨房水管漏水， 地上都是水"
    assert ticket.created_at == NOW and ticket.due_at == NOW + timedelta(hours=48)
    created = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).one()
    assert (created.kind, created.actor) == (EventKind.CREATED, "resident")


def test_numbers_continue_the_calls_sequence(session: Session, tmp_path: Path) -> None:
    seq, _ = intake.next_number(session, 2026)
    ticket = submit(session, report(session), tmp_path)
    assert ticket.seq == seq + 1


def test_each_report_is_audited(session: Session, tmp_path: Path) -> None:
    ticket = submit(session, report(session), tmp_path)

    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "online.submit")).one()
    assert entry.target == f"ticket:{ticket.number}" and entry.address == "10.1.2.3"
    assert entry.username == "resident" and NUMBER not in entry.detail


def test_the_resident_is_remembered_for_their_next_call(session: Session, tmp_path: Path) -> None:
    filed = report(session)
    submit(session, filed, tmp_path)

    resident = residents.resident_for(session, NUMBER)
    assert resident is not None
    assert (resident.community_id, resident.address) == (filed.community_id, "3栋 2单元 501")


def test_a_resident_known_from_calls_arrives_filled_in(session: Session) -> None:
    community = CommunityFactory()
    call_ticket = Ticket(caller_number=NUMBER, community_id=community.id, address="5栋101")
    residents.remember(session, call_ticket)

    known = submission.known_resident(session, NUMBER)
    assert known is not None and (known.community_id, known.address) == (community.id, "5栋101")


def test_a_retired_category_is_not_taken(session: Session, tmp_path: Path) -> None:
    retired = CategoryFactory(active=False)
    with pytest.raises(submission.SubmissionRefused):
        submit(session, report(session, category=retired), tmp_path)
    assert session.scalar(select(Ticket).where(Ticket.caller_number == NUMBER)) is None


def test_photos_are_stored_with_the_ticket(session: Session, tmp_path: Path) -> None:
    photo = accept_photo(jpeg(), 1_000_000)
    ticket = submit(session, report(session), tmp_path, photos=[photo])

    events = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "photo")
    ).all()
    assert [e.actor for e in events] == ["resident"]
    assert any(tmp_path.rglob("*.jpg"))


def test_the_reference_is_texted_in_the_web_wording(
    session: Session, tmp_path: Path, telephony: FakeTelephony
) -> None:
    ticket = submit(session, report(session), tmp_path)
    session.commit()

    assert notify.text_caller(
        session, ticket.id, NOW, send_sms=telephony.send_sms, commit=session.commit
    )
    [(to, body)] = telephony.sms
    assert to == NUMBER and ticket.ref is not None and ticket.ref in body and "报修" in body


def test_the_kpi_counts_web_tickets_like_call_tickets(session: Session, tmp_path: Path) -> None:
    category = CategoryFactory()
    web = submit(session, report(session, category=category), tmp_path)
    call = CallFactory(from_number=NUMBER, category_code=category.code)
    by_phone = intake.open_for_call(session, call, now=NOW, timezone="Asia/Shanghai", sla_hours=72)
    for ticket in (web, by_phone):
        workflow.change_status(
            session, ticket, TicketStatus.RESOLVED, workflow.SYSTEM, NOW + timedelta(days=1), "ok"
        )
        workflow.rate(session, ticket, 4, workflow.SYSTEM, NOW + timedelta(days=1))

    month = kpi.period_of(PeriodKind.MONTH, date(2026, 11, 1))
    measured = kpi.report(
        session,
        month,
        now=NOW + timedelta(days=5),
        timezone="Asia/Shanghai",
        promise_days=3,
        target=90.0,
    )
    assert (measured.total.tickets, measured.total.met) == (2, 2)
    assert (measured.total.rated, measured.total.satisfaction) == (2, pytest.approx(4.0))
    [row] = [r for r in measured.categories if r.id == category.id]
    assert row.tally.met == 2
