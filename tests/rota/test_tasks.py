"""The beat tasks, called as functions: one domain sweep each, under a lease."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import locks
from hotline.db import utcnow
from hotline.models import CoverageAlert, Role
from hotline.tasks.rota import LOCK_TTL, check_coverage, send_due_reminders
from hotline.telephony import FakeTelephony
from tests.factories import UserFactory
from tests.rota.factories import RotationFactory, VolunteerFactory


def test_reminder_task_texts_once(app: Flask, session: Session, telephony: FakeTelephony) -> None:
    a = VolunteerFactory()
    RotationFactory(members=[a], starts_at=utcnow() + timedelta(hours=1))
    session.commit()
    send_due_reminders()
    send_due_reminders()
    assert [to for to, _ in telephony.sms] == [a.mobile]


def test_reminder_task_skips_while_another_run_holds_the_lease(
    app: Flask, session: Session, telephony: FakeTelephony
) -> None:
    RotationFactory(members=[VolunteerFactory()], starts_at=utcnow() + timedelta(hours=1))
    assert locks.acquire_lock(session, "rota.send_due_reminders", "other", utcnow(), LOCK_TTL)
    session.commit()
    send_due_reminders()
    assert telephony.sms == []


def test_coverage_task_alerts_supervisors(
    app: Flask, session: Session, telephony: FakeTelephony
) -> None:
    boss = VolunteerFactory()
    UserFactory(role=Role.SUPERVISOR, volunteer_id=boss.id)
    now = utcnow()
    RotationFactory(
        members=[VolunteerFactory()],
        starts_at=now - timedelta(days=2),
        ends_at=now + timedelta(hours=5),
    )
    session.commit()
    check_coverage()
    check_coverage()
    assert [to for to, _ in telephony.sms] == [boss.mobile]
    alert = session.scalars(select(CoverageAlert)).one()
    assert alert.starts_at == now + timedelta(hours=5) and alert.resolved_at is None
