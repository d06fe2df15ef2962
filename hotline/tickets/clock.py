"""The promise's clock: how long a ticket may take, and the sweep that warns supervisors at 80%
of that time and tells them of a breach at 100%, each once per ticket."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Float, and_, func, literal, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.expression import FunctionElement

from hotline import messaging
from hotline.db import UTCDateTime
from hotline.messaging.texts import text
from hotline.models import (
    Category,
    EventKind,
    NotificationKind,
    Priority,
    Ticket,
)
from hotline.tickets import workflow  # a cycle: both only look each other up when called
from hotline.tickets.lifecycle import OPEN_STATUSES

logger = logging.getLogger(__name__)


def promised_hours(category: Category | None, priority: Priority, default_hours: int) -> int:
    """Hours from the call to resolution: the category's (urgent ones may be shorter)."""
    if category is None:
        return default_hours
    if priority is Priority.URGENT and category.urgent_sla_hours is not None:
        return category.urgent_sla_hours
    return category.sla_hours


def due_at(
    created_at: datetime, category: Category | None, priority: Priority, default_hours: int
) -> datetime:
    """When a ticket opened at `created_at` must be resolved; the start never moves."""
    return created_at + timedelta(hours=promised_hours(category, priority, default_hours))


class seconds_between(FunctionElement[float]):  # noqa: N801  (used like a SQL function)
    """`end - start` in seconds, in SQL, on SQLite and PostgreSQL alike."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    # julianday is a double of days: rounding to the millisecond keeps exact multiples exact.
    return (
        f"round((julianday({compiler.process(end, **kw)})"
        f" - julianday({compiler.process(start, **kw)})) * 86400.0, 3)"
    )


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"CAST(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)}"
        f" - {compiler.process(start, **kw)})) AS DOUBLE PRECISION)"
    )


def instant(value: datetime) -> ColumnElement[datetime]:
    """A timestamp as a bound SQL value stored as the columns store them (UTC)."""
    return literal(value, UTCDateTime())


# Supervisors are warned once this share of the promised time has passed.
WARN_AT = 0.8


class Alert(enum.StrEnum):
    """What the clock tells supervisors about a ticket still open."""

    WARNING = "warning"  # 80% of the promised time has passed
    BREACH = "breach"  # the promised time has passed


def warn_due(now: datetime) -> ColumnElement[bool]:
    """Whether a ticket's warning time (80% from its start to its due time) has come."""
    start = Ticket.created_at
    return seconds_between(start, instant(now)) >= WARN_AT * seconds_between(start, Ticket.due_at)


def pending_alerts(session: Session, now: datetime) -> list[tuple[int, Alert]]:
    """Open tickets owed an alert, oldest due first: a breach where the due time has passed
    (never announced), else a warning where 80% of the time has passed (never announced)."""
    breach = and_(Ticket.sla_breached_at.is_(None), Ticket.due_at <= instant(now))
    warning = and_(Ticket.sla_warned_at.is_(None), warn_due(now))
    rows = session.execute(
        select(Ticket.id, Ticket.due_at <= instant(now))
        .where(Ticket.status.in_(OPEN_STATUSES), or_(breach, warning))
        .order_by(Ticket.due_at, Ticket.id)
    ).all()
    return [(ticket_id, Alert.BREACH if late else Alert.WARNING) for ticket_id, late in rows]


def claim(session: Session, ticket_id: int, alert: Alert, now: datetime) -> bool:
    """Mark the alert sent, unless another sweep did (conditional UPDATE); True if ours.

    A breach also marks the warning, so a ticket found already late never gets one."""
    column = Ticket.sla_breached_at if alert is Alert.BREACH else Ticket.sla_warned_at
    # The ticket's own updated_at stays: marking an alert is not a change to the ticket.
    values: dict[str, Any] = {column.key: now, "updated_at": Ticket.updated_at}
    if alert is Alert.BREACH:
        values["sla_warned_at"] = func.coalesce(Ticket.sla_warned_at, instant(now))
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Ticket)
            .where(
                Ticket.id == ticket_id,
                column.is_(None),
                Ticket.status.in_(OPEN_STATUSES),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did: alerts claimed (each once per ticket) and SMS sent now."""

    warnings: int = 0
    breaches: int = 0
    sms_sent: int = 0


def sweep(
    session: Session,
    now: datetime,
    send_sms: messaging.SendSms,
    *,
    timezone: str,
    extra_numbers: Sequence[str],
    commit: Callable[[], None],
) -> SweepResult:
    """Warn supervisors of open tickets at 80% of their promised time and tell them of those
    past it: each alert once per ticket (claimed, an SLA event on the ticket, committed),
    then an SMS to each supervisor's mobile, sent after the commit (unless the alert is old
    news: see NEWS_WINDOW)."""
    numbers = messaging.supervisor_numbers(session, extra_numbers)
    zone = ZoneInfo(timezone)
    counts = {Alert.WARNING: 0, Alert.BREACH: 0}
    sent = 0
    for ticket_id, alert in pending_alerts(session, now):
        if not claim(session, ticket_id, alert, now):
            continue
        ticket = session.scalars(
            select(Ticket)
            .where(Ticket.id == ticket_id)
            .options(selectinload(Ticket.category), selectinload(Ticket.community))
            .execution_options(populate_existing=True)
        ).one()
        workflow.record(
            session, ticket, EventKind.SLA, workflow.SYSTEM, now, field="sla", to_value=alert.value
        )
        commit()
        counts[alert] += 1
        if not is_news(ticket, alert, now):
            logger.info("ticket %s: SLA %s marked without SMS (old news)", ticket.number, alert)
            continue
        logger.info("ticket %s: SLA %s", ticket.number, alert.value)
        sent += messaging.deliver_to_each(
            session,
            numbers,
            key=f"sla:{alert.value}:{ticket.id}",
            kind=NotificationKind.SLA,
            body=alert_text(ticket, alert, zone),
            due_at=now,
            now=now,
            send_sms=send_sms,
            commit=commit,
        )
    return SweepResult(counts[Alert.WARNING], counts[Alert.BREACH], sent)


# An alert due longer ago than this, on a ticket nobody has touched since, is history (the
# sweep was down, or tickets came from before the clock): marked, with its event, not texted.
NEWS_WINDOW = timedelta(hours=24)


def alert_time(ticket: Ticket, alert: Alert) -> datetime:
    """When the alert fell due: 80% of the way to the due time, or the due time."""
    if alert is Alert.BREACH:
        return ticket.due_at
    return ticket.created_at + (ticket.due_at - ticket.created_at) * WARN_AT


def is_news(ticket: Ticket, alert: Alert, now: datetime) -> bool:
    """Whether supervisors are texted: the alert fell due, or the ticket last changed (a
    reopening, say), within NEWS_WINDOW."""
    return max(alert_time(ticket, alert), ticket.updated_at) >= now - NEWS_WINDOW


def alert_text(ticket: Ticket, alert: Alert, zone: ZoneInfo) -> str:
    """The supervisors' SMS about one ticket's clock."""
    return text(
        f"sms.sla_{alert.value}",
        number=ticket.number,
        category=ticket.category.name_zh if ticket.category else "-",
        community=ticket.community.name if ticket.community else "-",
        due_at=ticket.due_at.astimezone(zone),
    )


@dataclass(frozen=True)
class AlertCounts:
    """Open tickets the clock has alerted on: past due, and warned but not yet due."""

    breached: int
    warned: int

    @property
    def total(self) -> int:
        """Both together."""
        return self.breached + self.warned


def alert_counts(session: Session) -> AlertCounts:
    """How many open tickets are past due and how many are warned (the dashboard's banner)."""
    breached, warned = session.execute(
        select(
            func.count(Ticket.sla_breached_at),
            func.count(Ticket.id),
        ).where(Ticket.status.in_(OPEN_STATUSES), Ticket.sla_warned_at.is_not(None))
    ).one()
    return AlertCounts(breached=breached, warned=warned - breached)


ALERT_LIST_LIMIT = 200


def alerted_tickets(session: Session, limit: int = ALERT_LIST_LIMIT) -> list[Ticket]:
    """Open tickets the clock has alerted on: past due first, then by due time."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.status.in_(OPEN_STATUSES), Ticket.sla_warned_at.is_not(None))
            .options(
                selectinload(Ticket.category),
                selectinload(Ticket.community),
                selectinload(Ticket.technician),
                selectinload(Ticket.volunteer),
            )
            .order_by(Ticket.sla_breached_at.is_(None), Ticket.due_at, Ticket.id)
            .limit(limit)
        )
    )
