"""What supervisors and volunteers review of tickets: the filtered list and a ticket's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVarTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, case, false, literal, select
from sqlalchemy.orm import Session, joinedload, selectinload

from hotline.models import (
    Call,
    Category,
    Community,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from hotline.review.call_review import EventRow, call_events
from hotline.review.scope import PER_PAGE, NotVisible, Page, Scope, capped_page
from hotline.tickets.workflow import TRANSITIONS

Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class TicketFilter:
    """What the ticket list is narrowed to; None means any. Dates are local calendar days.

    `mine`: only tickets assigned to the viewer's own volunteer (none for a login without one).
    """

    status: TicketStatus | None = None
    category_id: int | None = None
    community_id: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    mine: bool = False


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
    """Visible tickets matching the filter, urgent first, then newest; counted up to
    MAX_COUNTED (past it the page is `capped` and paging ends there)."""
    conditions: list[ColumnElement[bool]] = []
    if criteria.status is not None:
        conditions.append(Ticket.status == criteria.status)
    if criteria.category_id is not None:
        conditions.append(Ticket.category_id == criteria.category_id)
    if criteria.community_id is not None:
        conditions.append(Ticket.community_id == criteria.community_id)
    if criteria.created_from is not None:
        conditions.append(Ticket.created_at >= _local_midnight(criteria.created_from, timezone))
    if criteria.created_to is not None:
        # The "to" day is included: everything before the next local midnight.
        end = _local_midnight(criteria.created_to + timedelta(days=1), timezone)
        conditions.append(Ticket.created_at < end)
    if criteria.mine:
        # `== None` would become IS NULL and show every unassigned ticket.
        mine = scope.volunteer_id
        conditions.append(Ticket.volunteer_id == mine if mine is not None else false())

    def visible(stmt: Select[*Ts]) -> Select[*Ts]:
        # Tickets assigned to the viewer are visible whatever the scope: the filter alone says
        # it, and without the scope's join to the call an index can answer the count.
        if criteria.mine or scope.everything:
            return stmt
        return scope.tickets(stmt.outerjoin(Call, Ticket.call_id == Call.id))

    stmt = visible(
        select(Ticket)
        .options(
            # One query with the page: each is at most one row of a small table, joined by
            # its primary key to the page's 25 tickets (four round trips fewer than selectin).
            joinedload(Ticket.category),
            joinedload(Ticket.community),
            joinedload(Ticket.technician),
            joinedload(Ticket.volunteer),
        )
        .where(*conditions)
        .order_by(
            case((Ticket.priority == Priority.URGENT, 0), else_=1),
            Ticket.created_at.desc(),
            Ticket.id.desc(),
        )
    )
    # The same rows as a constant: PostgreSQL counts them from the filter's index alone.
    counting = visible(select(literal(1)).select_from(Ticket).where(*conditions))
    return capped_page(session, stmt, page, per_page, counting=counting)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a ticket's timeline: a change to the ticket, or a webhook of its call."""

    at: datetime
    ticket_event: TicketEvent | None = None
    call_event: EventRow | None = None


@dataclass(frozen=True)
class TicketDetail:
    """Everything the ticket page shows, and what its viewer may do there."""

    ticket: Ticket
    # Oldest first, as the call page's timeline: the ticket's events and its call's, by time.
    timeline: list[TimelineEntry]
    # Whether the viewer may open the ticket's call (a volunteer assigned a ticket may not).
    call_visible: bool
    # Where the status may go next, in the statuses' order.
    next_statuses: list[TicketStatus]
    # Community, address, category, priority and the resident's name: supervisors only.
    edits_details: bool
    # Categories by code: the timeline records a category change by its codes.
    categories: dict[str, Category]


def timeline(session: Session, ticket: Ticket) -> list[TimelineEntry]:
    """The ticket's events and its call's webhooks interleaved by time, oldest first."""
    entries = [TimelineEntry(event.at, ticket_event=event) for event in ticket.events]
    if ticket.call is not None:
        entries += [
            TimelineEntry(row.received_at, call_event=row)
            for row in call_events(session, ticket.call)
        ]
    # Stable: at the same instant the call's webhook (it came first) precedes the ticket's event.
    return sorted(entries, key=lambda entry: (entry.at, entry.ticket_event is not None))


def ticket_detail(session: Session, scope: Scope, number: str) -> TicketDetail | None:
    """The ticket with this number (as residents quote it) and its timeline; None if none."""
    ticket = session.scalars(
        select(Ticket)
        .where(Ticket.number == number)
        .options(
            # Each at most one row, joined by primary key: one query instead of six.
            joinedload(Ticket.category),
            joinedload(Ticket.community),
            joinedload(Ticket.call),
            joinedload(Ticket.resident),
            joinedload(Ticket.technician),
            joinedload(Ticket.volunteer),
            selectinload(Ticket.events).selectinload(TicketEvent.user),
        )
    ).one_or_none()
    if ticket is None:
        return None
    if not scope.allows_ticket(ticket):
        raise NotVisible(f"ticket {number}")
    return TicketDetail(
        ticket=ticket,
        timeline=timeline(session, ticket),
        call_visible=ticket.call is not None and scope.allows(ticket.call),
        next_statuses=[status for status in TicketStatus if status in TRANSITIONS[ticket.status]],
        edits_details=scope.edits_details,
        categories={c.code: c for c in session.scalars(select(Category))},
    )


def visible_ticket(session: Session, scope: Scope, number: str) -> Ticket | None:
    """The ticket with this number for a change by the viewer; None if none, NotVisible if
    outside their scope."""
    ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one_or_none()
    if ticket is not None and not scope.allows_ticket(ticket):
        raise NotVisible(f"ticket {number}")
    return ticket


def filter_choices(session: Session) -> tuple[list[Category], list[Community]]:
    """The categories and communities a ticket list can be filtered by."""
    categories = list(session.scalars(select(Category).order_by(Category.code)))
    communities = list(session.scalars(select(Community).order_by(Community.name)))
    return categories, communities
