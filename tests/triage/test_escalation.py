"""Urgent escalation: texts and a call to the on-duty volunteer, texts to supervisors, exactly
once per recording however often (and however concurrently, see test_concurrency) it runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import triage
from hotline.db import utcnow
from hotline.models import (
    Notification,
    NotificationKind,
    Recording,
    Role,
    Ticket,
    TicketEvent,
    Volunteer,
)
from hotline.tasks import transcription
from hotline.tasks.triage import escalate_recording, sweep_escalations
from hotline.telephony import FakeTelephony
from hotline.triage import escalation
from tests import helpers
from tests.factories import CallFactory, RecordingFactory, TicketFactory, UserFactory
from tests.rota.factories import OverrideFactory, VolunteerFactory

LINE = "+8657188880000"


@pytest.fixture
def line(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    return helpers.configure(app, monkeypatch, line_number=LINE)


def on_duty(name: str = "值班员") -> Volunteer:
    volunteer = VolunteerFactory(name=name)
    now = utcnow()
    OverrideFactory(
        volunteer=volunteer, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    return volunteer


def supervisor() -> Volunteer:
    boss = VolunteerFactory(name="主管")
    UserFactory(role=Role.SUPERVISOR, volunteer_id=boss.id)
    return boss


def urgent_voicemail(
    session: Session, text: str = "厨房燃气味很大，好像漏了", ref: str = "4821"
) -> Recording:
    call = CallFactory()
    recording = RecordingFactory(call=call)
    TicketFactory(call_id=call.id, recording_id=recording.id, ref=ref, summary=text)
    triage.apply(session, recording, text, utcnow())
    session.commit()
    return recording


def test_an_escalating_match_texts_and_calls_once_however_often_the_task_runs(
    line: Flask, session: Session, telephony: FakeTelephony
) -> None:
    volunteer, boss = on_duty(), supervisor()
    recording = urgent_voicemail(session)
    escalate_recording(recording.id)
    escalate_recording(recording.id)
    sweep_escalations()
    assert telephony.sms == [
        (
            volunteer.mobile,
            "【紧急留言】工单4821：疑似燃气泄漏。留言：厨房燃气味很大，好像漏了 请立即处理并回电。",
        ),
        (boss.mobile, "【紧急留言】工单4821：疑似燃气泄漏。已通知值班志愿者：值班员。"),
    ]
    [placed] = telephony.calls
    assert (placed.to, placed.from_) == (volunteer.mobile, LINE)
    assert placed.url == f"{helpers.PUBLIC_BASE_URL}/voice/triage-alert?rec={recording.id}"
    assert placed.status_callback == f"{helpers.PUBLIC_BASE_URL}/voice/triage-alert-status"
    session.expire_all()
    assert session.get(Recording, recording.id).escalated_at is not None  # type: ignore[union-attr]
    kinds = set(session.scalars(select(Notification.kind)))
    assert kinds == {NotificationKind.TRIAGE}
    ticket = session.scalars(select(Ticket).where(Ticket.recording_id == recording.id)).one()
    notes = session.scalars(
        select(TicketEvent.note).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "note"
        )
    ).all()
    assert notes == ["紧急留言已通知：值班志愿者值班员（已电话提醒），共发短信2条。"]


def test_a_corrected_transcript_does_not_alert_again(
    line: Flask, session: Session, telephony: FakeTelephony
) -> None:
    on_duty()
    recording = urgent_voicemail(session)
    escalate_recording(recording.id)
    session.expire_all()
    recording = session.get(Recording, recording.id)  # type: ignore[assignment]
    result = triage.apply(session, recording, "三楼着火了，燃气也漏了", utcnow())
    session.commit()
    assert not result.escalate
    escalate_recording(recording.id)
    assert len(telephony.calls) == 1 and len(telephony.sms) == 1


def test_no_match_or_a_non_escalating_one_sends_nothing(
    line: Flask, session: Session, telephony: FakeTelephony
) -> None:
    on_duty()
    supervisor()
    quiet = urgent_voicemail(session, "想问一下燃气费怎么交")
    leak = urgent_voicemail(session, "楼上漏水了", ref="4822")  # urgent, but not escalated
    escalate_recording(quiet.id)
    escalate_recording(leak.id)
    sweep_escalations()
    assert telephony.sms == [] and telephony.calls == []


def test_nobody_on_duty_still_texts_supervisors(
    line: Flask, session: Session, telephony: FakeTelephony
) -> None:
    boss = supervisor()
    recording = urgent_voicemail(session, "老人摔倒了")
    result = escalation.escalate(
        session,
        recording.id,
        utcnow(),
        escalation.Alerting(telephony.send_sms, telephony.create_call, "https://h", LINE),
        triage.rules_for(),
        commit=session.commit,
    )
    assert result.claimed and result.call_sid is None
    assert telephony.sms == [
        (boss.mobile, "【紧急留言】工单4821：有人受伤或晕倒。已通知值班志愿者：（当前无人值班）。")
    ]


def test_a_failed_call_is_logged_and_the_texts_still_go(
    line: Flask, session: Session, telephony: FakeTelephony
) -> None:
    on_duty()
    telephony.fail_calls = True
    recording = urgent_voicemail(session, "电梯里有人被困")
    escalate_recording(recording.id)
    assert len(telephony.sms) == 1 and telephony.calls == []
    escalate_recording(recording.id)
    assert len(telephony.sms) == 1


def test_without_a_line_number_the_volunteer_is_texted_not_called(
    app: Flask, session: Session, telephony: FakeTelephony
) -> None:
    on_duty()
    recording = urgent_voicemail(session)
    escalate_recording(recording.id)
    assert len(telephony.sms) == 1 and telephony.calls == []


def test_the_sweep_skips_old_escalations(
    line: Flask, session: Session, telephony: FakeTelephony
) -> None:
    on_duty()
    recording = urgent_voicemail(session)
    assert escalation.due(session, utcnow()) == [recording.id]
    assert escalation.due(session, utcnow() + escalation.SWEEP_WINDOW * 2) == []


def test_a_finished_transcription_job_queues_the_alert(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(
        "hotline.tasks.triage.escalate_recording.delay", lambda rid: queued.append(rid)
    )
    monkeypatch.setattr(transcription, "run_job", lambda *a, **k: None)
    transcription.process_recording.apply(args=(7,))
    assert queued == [7]
