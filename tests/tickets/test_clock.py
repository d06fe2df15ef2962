"""The clock: promised times per category and priority, and the sweep that warns supervisors at
80% of a ticket's time and tells them of a breach at 100%, each exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import make_engine, make_session_factory
from hotline.models import (
    EventKind,
    Notification,
    Priority,
    Role,
    SweepLock,
    Ticket,
    TicketEvent,
    TicketStatus,
    User,
    Volunteer,
)
from hotline.tasks.tickets import sweep_sla
from hotline.telephony import FakeTelephony
from hotline.tickets import clock, workflow
from tests import factories
from tests.factories import CategoryFactory, TicketFactory, UserFactory, VolunteerFactory
from tests.helpers import cn, configure

START = cn("12-01 08:00")  # a ticket opened then with 72 hours is warned at 12-03 17:36
SUPERVISOR_MOBILE = "+8613900000001"


def supervisor(**fields: object) -> User:
    """A supervisor whose login is linked to a volunteer with a mobile."""
    lead = VolunteerFactory(mobile=SUPERVISOR_MOBILE)
    user: User = UserFactory(role=Role.SUPERVISOR, volunteer_id=lead.id, **fields)
    return user


def opened(**fields: object) -> Ticket:
    """A ticket opened at START, due 72 hours later unless given."""
    values: dict[str, object] = {"created_at": START, "due_at": START + timedelta(hours=72)}
    values.update(fields)
    ticket: Ticket = TicketFactory(**values)
    return ticket


def run(
    session: Session,
    at: datetime,
    telephony: FakeTelephony,
    commit: Callable[[], None] | None = None,
) -> clock.SweepResult:
    return clock.sweep(
        session,
        at,
        telephony.send_sms,
        timezone="Asia/Shanghai",
        extra_numbers=(),
        commit=commit or session.commit,
    )


def sla_events(session: Session, ticket: Ticket) -> list[str]:
    return list(
        session.scalars(
            select(TicketEvent.to_value)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.SLA)
            .order_by(TicketEvent.id)
        )
    )


@pytest.mark.parametrize(
    ("category_hours", "urgent_hours", "priority", "hours"),
    [
        (None, None, Priority.NORMAL, 72),  # no category: the default
        (72, None, Priority.URGENT, 72),  # urgent, but the category has no shorter time
        (48, 4, Priority.NORMAL, 48),
        (48, 4, Priority.URGENT, 4),  # a lock-out
    ],
)
def test_the_due_time_follows_category_and_priority(
    session: Session,
    category_hours: int | None,
    urgent_hours: int | None,
    priority: Priority,
    hours: int,
) -> None:
    category = (
        None
        if category_hours is None
        else CategoryFactory(sla_hours=category_hours, urgent_sla_hours=urgent_hours)
    )
    assert clock.due_at(START, category, priority, 72) == START + timedelta(hours=hours)


def test_a_warning_at_80_percent_and_a_breach_at_100_percent_each_once(
    session: Session, telephony: FakeTelephony
) -> None:
    supervisor()
    ticket = opened(
        category=CategoryFactory(name_zh="水电维修"),
        community=factories.CommunityFactory(name="东湖社区"),
    )
    session.commit()
    warning_at = START + timedelta(hours=72 * 0.8)  # 12-03 17:36

    assert run(session, warning_at - timedelta(seconds=1), telephony) == clock.SweepResult()
    assert run(session, warning_at, telephony) == clock.SweepResult(warnings=1, sms_sent=1)
    assert run(session, warning_at + timedelta(hours=1), telephony) == clock.SweepResult()
    assert run(session, ticket.due_at, telephony) == clock.SweepResult(breaches=1, sms_sent=1)
    assert run(session, ticket.due_at + timedelta(days=3), telephony) == clock.SweepResult()

    session.expire_all()
    assert (ticket.sla_warned_at, ticket.sla_breached_at) == (warning_at, ticket.due_at)
    assert sla_events(session, ticket) == ["warning", "breach"]
    assert [to for to, _ in telephony.sms] == [SUPERVISOR_MOBILE] * 2
    warning, breach = (body for _, body in telephony.sms)
    assert ticket.number in warning and "水电维修" in warning and "东湖社区" in warning
    assert "12月04日 08:00" in warning  # the due time, in Beijing time
    assert "超过承诺时限" in breach and "仍未解决" in breach


def test_an_urgent_lockout_is_warned_after_80_percent_of_its_hours(
    session: Session, telephony: FakeTelephony
) -> None:
    supervisor()
    lockout = CategoryFactory(sla_hours=72, urgent_sla_hours=4)
    ticket = opened(
        category=lockout,
        priority=Priority.URGENT,
        due_at=clock.due_at(START, lockout, Priority.URGENT, 72),
    )
    session.commit()
    assert run(session, START + timedelta(hours=3, minutes=11), telephony).warnings == 0
    assert run(session, START + timedelta(hours=3, minutes=12), telephony).warnings == 1
    assert sla_events(session, ticket) == ["warning"]


def test_a_ticket_resolved_before_the_warning_gets_nothing(
    session: Session, telephony: FakeTelephony
) -> None:
    supervisor()
    ticket = opened()
    session.flush()
    workflow.change_status(
        session,
        ticket,
        TicketStatus.RESOLVED,
        workflow.SYSTEM,
        START + timedelta(hours=5),
        "修好了",
    )
    session.commit()
    assert run(session, START + timedelta(days=10), telephony) == clock.SweepResult()
    assert (ticket.sla_warned_at, ticket.sla_breached_at) == (None, None)
    assert telephony.sms == []


def test_a_ticket_found_already_late_is_breached_without_a_warning(
    session: Session, telephony: FakeTelephony
) -> None:
    # Resolved in time, reopened after its due time: the clock keeps its start.
    supervisor()
    ticket = opened()
    session.flush()
    workflow.change_status(
        session, ticket, TicketStatus.RESOLVED, workflow.SYSTEM, START + timedelta(hours=50), "好了"
    )
    session.commit()
    assert run(session, START + timedelta(hours=60), telephony) == clock.SweepResult()
    reopened_at = START + timedelta(hours=80)
    workflow.change_status(session, ticket, TicketStatus.IN_PROGRESS, workflow.SYSTEM, reopened_at)
    session.commit()

    assert run(session, reopened_at, telephony) == clock.SweepResult(breaches=1, sms_sent=1)
    assert run(session, reopened_at + timedelta(hours=1), telephony) == clock.SweepResult()
    assert sla_events(session, ticket) == ["breach"]
    assert len(telephony.sms) == 1 and "仍未解决" in telephony.sms[0][1]


def test_alerts_long_overdue_on_an_untouched_ticket_are_marked_without_sms(
    session: Session, telephony: FakeTelephony
) -> None:
    # The first sweep after the clock is deployed, or after beat was down for days: history.
    supervisor()
    stale = opened(updated_at=START)
    session.commit()
    at = START + timedelta(days=10)
    assert run(session, at, telephony) == clock.SweepResult(breaches=1, sms_sent=0)
    assert run(session, at, telephony) == clock.SweepResult()
    session.expire_all()
    assert (stale.sla_warned_at, stale.sla_breached_at, stale.updated_at) == (at, at, START)
    assert sla_events(session, stale) == ["breach"]
    assert telephony.sms == []


def test_a_sweep_that_read_the_tickets_before_another_claimed_them_sends_nothing(
    session: Session, telephony: FakeTelephony, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two sweeps both read the same ticket as owed a warning; the conditional UPDATE lets
    # only the first one claim it, so the second sends nothing.
    supervisor()
    ticket = opened()
    session.commit()
    at = START + timedelta(hours=70)
    read = clock.pending_alerts

    def read_then_race(inner: Session, now: datetime) -> list[tuple[int, clock.Alert]]:
        owed = read(inner, now)
        monkeypatch.setattr(clock, "pending_alerts", read)
        assert run(session, now, telephony) == clock.SweepResult(warnings=1, sms_sent=1)
        return owed

    monkeypatch.setattr(clock, "pending_alerts", read_then_race)
    assert run(session, at, telephony) == clock.SweepResult()
    assert sla_events(session, ticket) == ["warning"]
    assert len(telephony.sms) == 1
    keys = session.scalars(select(Notification.key).where(Notification.key.like("sla:%"))).all()
    assert keys == [f"sla:warning:{ticket.id}:{SUPERVISOR_MOBILE}"]


def test_the_task_alerts_once_and_holds_the_lease(
    app: Flask, session: Session, telephony: FakeTelephony, monkeypatch: pytest.MonkeyPatch
) -> None:
    supervisor()
    ticket = opened()
    session.commit()
    configure(app, monkeypatch, clock=lambda: START + timedelta(hours=73))
    session.add(SweepLock(name="tickets.sweep_sla", holder="other", expires_at=cn("12-31 00:00")))
    session.commit()
    sweep_sla()  # another run holds the lease
    assert telephony.sms == []
    session.execute(delete(SweepLock))
    session.commit()

    sweep_sla()
    sweep_sla()

    session.expire_all()
    assert ticket.sla_breached_at == START + timedelta(hours=73)
    assert [to for to, _ in telephony.sms] == [SUPERVISOR_MOBILE]


def test_the_dashboard_counts_and_lists_the_alerted_open_tickets(
    session: Session, telephony: FakeTelephony
) -> None:
    late = opened(due_at=START + timedelta(hours=10))
    warned = opened()
    quiet = opened(created_at=START + timedelta(hours=40), due_at=START + timedelta(hours=112))
    done = opened(due_at=START + timedelta(hours=10))
    session.commit()
    run(session, START + timedelta(hours=60), telephony)
    workflow.change_status(session, done, TicketStatus.CLOSED, workflow.SYSTEM, START, "重复")
    session.commit()

    assert clock.alert_counts(session) == clock.AlertCounts(breached=1, warned=1)
    assert [t.id for t in clock.alerted_tickets(session)] == [late.id, warned.id]
    assert quiet.sla_warned_at is None


# PostgreSQL: the same sweep, and two sweeps claiming one ticket on two connections.


@pytest.fixture
def pg(postgres_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(postgres_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def pg_rows(pg: sessionmaker[Session]) -> Iterator[list[int]]:
    """Ids of tickets the test committed to PostgreSQL, deleted (with their rows) afterwards."""
    ids: list[int] = []
    yield ids
    with pg.begin() as cleanup:
        cleanup.execute(delete(TicketEvent).where(TicketEvent.ticket_id.in_(ids)))
        cleanup.execute(delete(Notification).where(Notification.key.like("sla:%")))
        cleanup.execute(delete(Ticket).where(Ticket.id.in_(ids)))
        cleanup.execute(delete(User).where(User.username.like("pgclock%")))
        cleanup.execute(delete(Volunteer).where(Volunteer.mobile == SUPERVISOR_MOBILE))


@pytest.mark.postgres
def test_on_postgresql_each_alert_goes_once_even_to_concurrent_sweeps(
    pg: sessionmaker[Session], pg_rows: list[int], telephony: FakeTelephony
) -> None:
    with pg() as setup, factories.bound(setup):
        supervisor(username="pgclock-lead")
        ticket = opened()
        setup.commit()
        pg_rows.append(ticket.id)
        ticket_id = ticket.id
    at = START + timedelta(hours=60)

    with pg() as first, pg() as second:
        # Both read the ticket as owed a warning; the first claims it and has not committed.
        assert clock.pending_alerts(first, at) == [(ticket_id, clock.Alert.WARNING)]
        assert clock.pending_alerts(second, at) == [(ticket_id, clock.Alert.WARNING)]
        assert clock.claim(first, ticket_id, clock.Alert.WARNING, at)
        claimed: list[bool] = []
        racer = threading.Thread(
            target=lambda: claimed.append(clock.claim(second, ticket_id, clock.Alert.WARNING, at))
        )
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive()  # the second UPDATE waits for the first transaction
        first.commit()
        racer.join(timeout=10)
        assert claimed == [False]
        second.commit()

    with pg() as session:
        assert run(session, at, telephony) == clock.SweepResult()  # already claimed
        due = START + timedelta(hours=72)
        assert run(session, due, telephony) == clock.SweepResult(breaches=1, sms_sent=1)
        assert run(session, due, telephony) == clock.SweepResult()
        row = session.get(Ticket, ticket_id)
        assert row is not None and row.sla_breached_at == due
        assert sla_events(session, row) == ["breach"]
    assert [to for to, _ in telephony.sms] == [SUPERVISOR_MOBILE]


@pytest.mark.postgres
def test_on_postgresql_the_warning_time_is_80_percent_of_the_promise(
    pg: sessionmaker[Session], pg_rows: list[int]
) -> None:
    with pg() as session, factories.bound(session):
        ticket = opened()
        session.commit()
        pg_rows.append(ticket.id)
        warning_at = START + timedelta(hours=57, minutes=36)
        assert clock.pending_alerts(session, warning_at - timedelta(seconds=1)) == []
        assert clock.pending_alerts(session, warning_at) == [(ticket.id, clock.Alert.WARNING)]
