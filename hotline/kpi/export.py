"""Tickets for the CSV export: the ticket list's filters, read in batches, bounded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, select
from sqlalchemy.orm import Session, aliased

from hotline.kpi.metrics import Outcome, outcome
from hotline.kpi.periods import local_midnight
from hotline.models import Category, Community, Technician, Ticket, Volunteer
from hotline.review import TicketFilter
from hotline.tickets.clock import seconds_between

# A spreadsheet's worth; narrow the filters for more.
MAX_ROWS = 100_000
BATCH = 1000


@dataclass(frozen=True)
class TicketLine:
    """One exported ticket."""

    number: str
    created_at: datetime
    status: str
    priority: str
    category: str
    community: str
    assignee: str
    resolved_at: datetime | None
    hours: float | None
    outcome: Outcome
    satisfaction: int | None
    summary: str


def ticket_lines(
    session: Session,
    criteria: TicketFilter,
    *,
    timezone: str,
    now: datetime,
    promise_days: int,
    limit: int = MAX_ROWS,
) -> Iterator[TicketLine]:
    """Tickets matching the list's filters, newest first, at most `limit`, each with where it
    stands against the promise (as the KPI counts it); read `BATCH` rows at a time."""
    technician, volunteer = aliased(Technician), aliased(Volunteer)
    stmt = (
        select(
            Ticket.number,
            Ticket.created_at,
            Ticket.status,
            Ticket.priority,
            Category.code,
            Community.name,
            case(
                (technician.name.is_not(None), technician.name),
                else_=volunteer.name,
            ),
            Ticket.resolved_at,
            seconds_between(Ticket.created_at, Ticket.resolved_at),
            outcome(now, promise_days),
            Ticket.satisfaction,
            Ticket.summary,
        )
        .outerjoin(Category, Ticket.category_id == Category.id)
        .outerjoin(Community, Ticket.community_id == Community.id)
        .outerjoin(technician, Ticket.technician_id == technician.id)
        .outerjoin(volunteer, Ticket.volunteer_id == volunteer.id)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    if criteria.status is not None:
        stmt = stmt.where(Ticket.status == criteria.status)
    if criteria.category_id is not None:
        stmt = stmt.where(Ticket.category_id == criteria.category_id)
    if criteria.community_id is not None:
        stmt = stmt.where(Ticket.community_id == criteria.community_id)
    if criteria.created_from is not None:
        stmt = stmt.where(Ticket.created_at >= local_midnight(criteria.created_from, timezone))
    if criteria.created_to is not None:
        end = local_midnight(criteria.created_to + timedelta(days=1), timezone)
        stmt = stmt.where(Ticket.created_at < end)
    for row in session.execute(stmt.execution_options(yield_per=BATCH)):
        (
            number,
            created,
            status,
            priority,
            category,
            community,
            assignee,
            resolved,
            seconds,
            standing,
            satisfaction,
            summary,
        ) = row
        yield TicketLine(
            number=number,
            created_at=created,
            status=status.value,
            priority=priority.value,
            category=category or "",
            community=community or "",
            assignee=assignee or "",
            resolved_at=resolved,
            hours=None if seconds is None else float(seconds) / 3600,
            outcome=Outcome(standing),
            satisfaction=satisfaction,
            summary=summary,
        )
