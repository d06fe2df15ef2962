"""apply: the recording keeps the match, the ticket gets the suggestion once, with an event."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import triage
from hotline.db import utcnow
from hotline.models import (
    Category,
    Priority,
    Recording,
    RecordingStatus,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from hotline.recordings import job
from hotline.tickets.intake import ensure_categories
from hotline.tickets.workflow import Actor
from tests.factories import CallFactory, RecordingFactory, TicketFactory


@pytest.fixture
def voicemail(session: Session) -> tuple[Recording, Ticket]:
    ensure_categories(session)
    call = CallFactory()
    recording = RecordingFactory(call=call)
    ticket = TicketFactory(call_id=call.id, recording_id=recording.id)
    return recording, ticket


def events(session: Session, ticket: Ticket) -> list[tuple[str, str, str, str, str]]:
    rows = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    )
    return [(e.kind.value, e.field, e.from_value, e.to_value, e.note) for e in rows]


def test_an_urgent_match_sets_category_and_priority_with_the_phrase_as_reason(
    session: Session, voicemail: tuple[Recording, Ticket]
) -> None:
    recording, ticket = voicemail
    lockout = session.scalars(select(Category).where(Category.code == "lockout")).one()
    result = triage.apply(session, recording, "我 把 自 己 锁 在 门 外 了", utcnow())
    assert result.match is not None and not result.escalate  # lock-outs are not escalated
    assert (recording.triage_priority, recording.triage_category, recording.triage_phrase) == (
        "urgent",
        "lockout",
        "锁在门外",
    )
    assert ticket.category_id == lockout.id and ticket.priority is Priority.URGENT
    # The lock-out promise: its urgent hours, else its 4 hours, from the ticket's start.
    assert (ticket.due_at - ticket.created_at).total_seconds() == 4 * 3600
    reason = "自动分诊：门锁打不开（听到“锁在门外”）"
    assert events(session, ticket) == [
        ("field", "category", "", "lockout", reason),
        ("field", "priority", "normal", "urgent", reason),
    ]


def test_the_same_transcript_again_changes_nothing(
    session: Session, voicemail: tuple[Recording, Ticket]
) -> None:
    recording, ticket = voicemail
    first = triage.apply(session, recording, "厨房燃气味很大", utcnow())
    second = triage.apply(session, recording, "厨房燃气味很大", utcnow())
    assert first.escalate and second.escalate  # due until the alert is claimed
    assert len(events(session, ticket)) == 2  # category and priority, once
    recording.escalated_at = utcnow()
    assert not triage.apply(session, recording, "厨房燃气味很大", utcnow()).escalate


def test_a_set_category_is_kept_and_an_urgent_ticket_gets_a_note(
    session: Session, voicemail: tuple[Recording, Ticket]
) -> None:
    recording, ticket = voicemail
    complaint = session.scalars(select(Category).where(Category.code == "complaint")).one()
    ticket.category, ticket.priority = complaint, Priority.URGENT
    triage.apply(session, recording, "楼道里一股煤气味", utcnow())
    assert ticket.category_id == complaint.id
    assert events(session, ticket) == [("note", "", "", "", "自动分诊：疑似燃气泄漏（听到“煤气”）")]


def test_a_correction_by_a_supervisor_records_who_and_clears_a_stale_match(
    session: Session, voicemail: tuple[Recording, Ticket]
) -> None:
    recording, ticket = voicemail
    triage.apply(session, recording, "想问一下燃气费怎么交", utcnow())
    assert recording.triage_phrase is None and events(session, ticket) == []
    boss = Actor("boss", user_id=None)
    result = triage.apply(session, recording, "楼下有人晕倒了", utcnow(), actor=boss)
    assert result.escalate and recording.triage_escalate
    assert {e.actor for e in session.scalars(select(TicketEvent))} == {"boss"}
    triage.apply(session, recording, "楼下有人在吵架", utcnow(), actor=boss)
    assert (recording.triage_phrase, recording.triage_escalate) == (None, False)
    assert ticket.priority is Priority.URGENT  # a person lowers it, not the rules


def test_a_closed_ticket_is_left_alone(
    session: Session, voicemail: tuple[Recording, Ticket]
) -> None:
    recording, ticket = voicemail
    ticket.status = TicketStatus.CLOSED
    triage.apply(session, recording, "三楼着火了", utcnow())
    assert recording.triage_phrase == "着火"
    assert ticket.priority is Priority.NORMAL and events(session, ticket) == []


def test_broken_rules_triage_nothing_and_do_not_raise(
    session: Session,
    voicemail: tuple[Recording, Ticket],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    recording, _ = voicemail
    broken = tmp_path / "rules.yaml"
    broken.write_text("version: 1\nrules: []\n", encoding="utf-8")
    monkeypatch.setattr("hotline.triage.suggest.RULES_PATH", broken)
    assert triage.apply(session, recording, "三楼着火了", utcnow()) == triage.Triage(None, False)
    assert recording.triage_phrase is None


def test_the_transcription_job_triages_its_transcript(
    session: Session, voicemail: tuple[Recording, Ticket], monkeypatch: pytest.MonkeyPatch
) -> None:
    recording, ticket = voicemail
    recording.status = RecordingStatus.DOWNLOADED
    session.flush()

    def transcribe(*args: Any, **kwargs: Any) -> SimpleNamespace:
        return SimpleNamespace(
            text="电 梯 里 有 人 出 不 来",
            words=[],
            confidence=0.9,
            duration_s=3.0,
            decoded_s=3.0,
            model_name="fake",
            language="zh",
            decode_seconds=0.1,
            truncated=False,
        )

    monkeypatch.setattr(job, "transcribe", transcribe)
    result = job._transcribe(
        session,
        recording,
        Path("unused.wav"),
        utcnow,
        object(),
        session.flush,  # type: ignore[arg-type]
    )
    assert result.status is RecordingStatus.TRANSCRIBED
    session.refresh(recording)
    assert (recording.triage_phrase, recording.triage_escalate) == ("出不来", True)
    assert ticket.priority is Priority.URGENT
    assert [e[0] for e in events(session, ticket)] == ["field"]
    assert recording.escalated_at is None  # the alert is the task's
