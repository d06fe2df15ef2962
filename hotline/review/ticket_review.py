"""What supervisors and volunteers review of tickets: the filtered list and a ticket's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, select
from sqlalchemy.orm import Session, selectinload

from hotline.models import Call, Category, Community, Priority, Ticket, TicketStatus
from hotline.review.scope import PER_PAGE, NotVisible, Page, Scope, count_rows, page_of


@dataclass(frozen=True)
class TicketFilter:
    """What the ticket list is narrowed to; None means any. Dates are local calendar days."""

    status: TicketStatus | None = None
    category_id: int | None = None
    community_id: int | None = None
    created_from: date | None = None
    created_to: date | None = None


def _local_midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone))


def list_tickets(
    session: Session,
    scope: Scope,
    criteria: TicketFilter,
    timezone: str,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[Ticket]:
    """Visible tickets matching the filter, urgent first, then newest."""
    stmt = (
        select(Ticket)
        .outerjoin(Call, Ticket.call_id == Call.id)
        .options(selectinload(Ticket.category), selectinload(Ticket.community))
        .order_by(
            case((Ticket.priority == Priority.URGENT, 0), else_=1),
            Ticket.created_at.desc(),
            Ticket.id.desc(),
        )
    )
    stmt = scope.calls(stmt)
    if criteria.status is not None:
        stmt = stmt.where(Ticket.status == criteria.status)
    if criteria.category_id is not None:
        stmt = stmt.where(Ticket.category_id == criteria.category_id)
    if criteria.community_id is not None:
        stmt = stmt.where(Ticket.community_id == criteria.community_id)
    if criteria.created_from is not None:
        stmt = stmt.where(Ticket.created_at >= _local_midnight(criteria.created_from, timezone))
    if criteria.created_to is not None:
        # The "to" day is included: everything before the next local midnight.
        end = _local_midnight(criteria.created_to + timedelta(days=1), timezone)
        stmt = stmt.where(Ticket.created_at < end)
    items = list(session.scalars(page_of(stmt, page, per_page)))
    return Page(items, page, per_page, count_rows(session, stmt))


def ticket_detail(session: Session, scope: Scope, number: str) -> Ticket | None:
    """The ticket with this number (as residents quote it), relations loaded; None if none."""
    ticket = session.scalars(
        select(Ticket)
        .where(Ticket.number == number)
        .options(
            selectinload(Ticket.category),
            selectinload(Ticket.community),
            selectinload(Ticket.call),
        )
    ).one_or_none()
    if ticket is not None and not scope.allows(ticket.call):
        raise NotVisible(f"ticket {number}")
    return ticket


def filter_choices(session: Session) -> tuple[list[Category], list[Community]]:
    """The categories and communities a ticket list can be filtered by."""
    categories = list(session.scalars(select(Category).order_by(Category.code)))
    communities = list(session.scalars(select(Community).order_by(Community.name)))
    return categories, communities
