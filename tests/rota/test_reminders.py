"""Reminders, handoffs and coverage alerts: each SMS once across repeated sweeps; the lease."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import messaging, rota
from hotline.models import CoverageAlert, Notification, NotificationStatus, Role, TicketStatus
from hotline.telephony import FakeTelephony
from tests.factories import TicketFactory, UserFactory
from tests.helpers import cn
from tests.rota.factories import OverrideFactory, RotationFactory, VolunteerFactory

LEAD = timedelta(hours=2)


def remind(session: Session, telephony: FakeTelephony, now: datetime) -> int:
    return rota.send_due_reminders(
        session, now, telephony.send_sms, lead=LEAD, timezone="Asia/Shanghai", commit=session.commit
    )


def alert(session: Session, telephony: FakeTelephony, now: datetime) -> list[CoverageAlert]:
    return rota.check_coverage(
        session,
        now,
        telephony.send_sms,
        horizon=timedelta(hours=72),
        timezone="Asia/Shanghai",
        extra_numbers=["+8613900000999"],
        commit=session.commit,
    )


def test_reminder_is_sent_once_across_repeated_sweeps(
    session: Session, telephony: FakeTelephony
) -> None:
    a, b = VolunteerFactory(), VolunteerFactory()
    RotationFactory(members=[a, b])  # b's first turn: 12-02 08:00
    assert remind(session, telephony, cn("12-02 05:59")) == 0  # not yet within the lead
    sweeps = [
        remind(session, telephony, cn("12-02 06:00") + timedelta(minutes=m)) for m in range(5)
    ]
    assert sweeps == [1, 0, 0, 0, 0]
    assert len(telephony.sms) == 1
    to, body = telephony.sms[0]
    assert to == b.mobile
    assert "您的主班将于12月02日 08:00开始，至12月03日 08:00。" in body


def test_no_reminder_once_the_shift_started(session: Session, telephony: FakeTelephony) -> None:
    a, b = VolunteerFactory(), VolunteerFactory()
    RotationFactory(members=[a, b], layer=2)
    remind(session, telephony, cn("12-02 08:00"))
    assert telephony.sms == []


def test_handoff_lists_open_tickets_of_the_last_shift(
    session: Session, telephony: FakeTelephony
) -> None:
    a, b = VolunteerFactory(), VolunteerFactory()
    RotationFactory(members=[a, b], starts_at=cn("12-01 08:00"))
    TicketFactory(number="2026-000101", created_at=cn("12-01 09:00"))
    TicketFactory(number="2026-000102", created_at=cn("12-01 23:00"))
    TicketFactory(number="2026-000103", created_at=cn("12-01 10:00"), status=TicketStatus.RESOLVED)
    TicketFactory(number="2026-000100", created_at=cn("11-30 10:00"))  # before a's shift
    sent = [remind(session, telephony, cn("12-02 08:00") + timedelta(minutes=m)) for m in range(3)]
    assert sent == [1, 0, 0]
    to, body = telephony.sms[-1]
    assert to == b.mobile
    assert "2张未处理工单：2026-000101、2026-000102" in body


def test_handoff_is_skipped_when_the_sweep_is_too_late(
    session: Session, telephony: FakeTelephony
) -> None:
    a, b = VolunteerFactory(), VolunteerFactory()
    RotationFactory(members=[a, b])
    remind(session, telephony, cn("12-02 08:31"))
    assert telephony.sms == []


def test_failed_sms_is_retried_then_given_up(session: Session, telephony: FakeTelephony) -> None:
    a, b = VolunteerFactory(), VolunteerFactory()
    RotationFactory(members=[a, b])
    telephony.fail_sms = True
    for minute in range(5):
        remind(session, telephony, cn("12-02 06:00") + timedelta(minutes=minute))
    row = session.scalars(select(Notification)).one()
    assert (row.status, row.attempts) == (NotificationStatus.FAILED, messaging.MAX_ATTEMPTS)
    telephony.fail_sms = False
    remind(session, telephony, cn("12-02 06:10"))
    assert telephony.sms == []


def test_failed_sms_is_sent_by_the_next_sweep(session: Session, telephony: FakeTelephony) -> None:
    a, b = VolunteerFactory(), VolunteerFactory()
    RotationFactory(members=[a, b])
    telephony.fail_sms = True
    remind(session, telephony, cn("12-02 06:00"))
    telephony.fail_sms = False
    assert remind(session, telephony, cn("12-02 06:01")) == 1
    assert remind(session, telephony, cn("12-02 06:02")) == 0
    row = session.scalars(select(Notification)).one()
    assert (row.status, row.attempts, row.error) == (NotificationStatus.SENT, 2, None)


def test_a_message_claimed_by_a_dead_worker_is_not_sent_again(
    session: Session, telephony: FakeTelephony
) -> None:
    a, b = VolunteerFactory(), VolunteerFactory()
    RotationFactory(members=[a, b])
    remind(session, telephony, cn("12-02 06:00"))
    row = session.scalars(select(Notification)).one()
    row.status = NotificationStatus.SENDING  # as if the worker died after claiming it
    session.commit()
    telephony.sms.clear()
    remind(session, telephony, cn("12-02 06:01"))
    assert telephony.sms == []


def test_reminder_follows_a_swap_made_after_planning(
    session: Session, telephony: FakeTelephony
) -> None:
    a, b, cover = VolunteerFactory(), VolunteerFactory(), VolunteerFactory()
    RotationFactory(members=[a, b])
    OverrideFactory(volunteer=cover, starts_at=cn("12-02 08:00"), ends_at=cn("12-02 20:00"))
    remind(session, telephony, cn("12-02 06:30"))
    assert [to for to, _ in telephony.sms] == [cover.mobile]


@pytest.fixture
def supervisor_mobile(session: Session) -> str:
    volunteer = VolunteerFactory()
    UserFactory(role=Role.SUPERVISOR, volunteer_id=volunteer.id)
    UserFactory(role=Role.VOLUNTEER, volunteer_id=VolunteerFactory().id)
    return volunteer.mobile


def test_gap_alert_is_raised_and_texted_once(
    session: Session, telephony: FakeTelephony, supervisor_mobile: str
) -> None:
    a = VolunteerFactory()
    # Covered from 11-29 until 12-03 08:00, then nobody.
    RotationFactory(members=[a], starts_at=cn("11-29 08:00"), ends_at=cn("12-03 08:00"))
    assert alert(session, telephony, cn("11-30 07:59")) == []  # the gap is 72 h 1 min away
    for minute in range(1, 30, 10):
        open_alerts = alert(session, telephony, cn("11-30 08:00") + timedelta(minutes=minute))
        assert [(x.starts_at, x.resolved_at) for x in open_alerts] == [(cn("12-03 08:00"), None)]
    assert sorted(to for to, _ in telephony.sms) == sorted([supervisor_mobile, "+8613900000999"])
    # The gap runs past the horizon: its end is not known, so none is given.
    assert "12月03日 08:00之后无人值主班" in telephony.sms[0][1]
    assert session.scalars(select(CoverageAlert)).all() == open_alerts


def test_filled_gap_resolves_its_alert(
    session: Session, telephony: FakeTelephony, supervisor_mobile: str
) -> None:
    a, cover = VolunteerFactory(), VolunteerFactory()
    RotationFactory(members=[a], ends_at=cn("12-03 08:00"))
    alert(session, telephony, cn("12-01 08:00"))
    OverrideFactory(volunteer=cover, starts_at=cn("12-03 08:00"), ends_at=cn("12-10 08:00"))
    assert alert(session, telephony, cn("12-01 08:10")) == []
    assert session.scalars(select(CoverageAlert.resolved_at)).one() == cn("12-01 08:10")


def test_gap_under_way_keeps_its_alert(
    session: Session, telephony: FakeTelephony, supervisor_mobile: str
) -> None:
    RotationFactory(members=[VolunteerFactory()], ends_at=cn("12-03 08:00"))
    alert(session, telephony, cn("12-03 07:00"))
    # Days into the gap, the first alert still stands; no new one, no new SMS.
    later = alert(session, telephony, cn("12-05 07:00"))
    assert [x.starts_at for x in later] == [cn("12-03 08:00")]
    assert len(telephony.sms) == 2
