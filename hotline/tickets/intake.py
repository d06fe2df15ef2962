"""Opening tickets: one per call, numbered per year, under the categories the IVR menu offers."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.db import upsert
from hotline.models import Call, Category, Community, EventKind, Priority, Ticket, TicketCounter
from hotline.tickets import clock, residents, workflow

logger = logging.getLogger(__name__)


def next_number(session: Session, year: int) -> tuple[int, str]:
    """Atomically take the next sequence number of `year`: (seq, "2026-000123")."""
    stmt = (
        upsert(session, TicketCounter)
        .values(year=year, last=1)
        .on_conflict_do_update(
            index_elements=[TicketCounter.year], set_={"last": TicketCounter.last + 1}
        )
        .returning(TicketCounter.last)
    )
    seq = session.execute(stmt).scalar_one()
    return seq, f"{year}-{seq:06d}"


def ticket_for_call(session: Session, call: Call) -> Ticket | None:
    """The ticket a call opened, if any."""
    return session.scalars(select(Ticket).where(Ticket.call_id == call.id)).one_or_none()


def caller_community(session: Session, call: Call) -> Community | None:
    """The community of the call's ticket, else the residents directory's for the caller's
    number, else that of the caller's most recent ticket that has one."""
    ticket = ticket_for_call(session, call)
    if ticket is not None and ticket.community is not None:
        return ticket.community
    resident = residents.resident_for(session, call.from_number)
    if resident is not None and resident.community is not None:
        return resident.community
    return session.scalars(
        select(Community)
        .join(Ticket, Ticket.community_id == Community.id)
        .where(or_(Ticket.call_id == call.id, Ticket.caller_number == call.from_number))
        .order_by((Ticket.call_id == call.id).desc(), Ticket.created_at.desc())
        .limit(1)
    ).first()


def open_for_call(
    session: Session, call: Call, *, now: datetime, timezone: str, sla_hours: int
) -> Ticket:
    """The call's ticket, opened now if it has none (never a second one): numbered, with a
    short reference, the caller's community and address from the directory, and its clock."""
    existing = ticket_for_call(session, call)
    if existing is not None:
        return existing
    category = (
        session.scalars(select(Category).where(Category.code == call.category_code)).one_or_none()
        if call.category_code
        else None
    )
    return open_ticket(
        session,
        Ticket(call_id=call.id, category=category, caller_number=call.from_number),
        now=now,
        timezone=timezone,
        sla_hours=sla_hours,
    )


def open_ticket(
    session: Session,
    ticket: Ticket,
    *,
    now: datetime,
    timezone: str,
    sla_hours: int,
    actor: workflow.Actor = workflow.SYSTEM,
) -> Ticket:
    """Open a new ticket (a call's or a web one, given its category, caller number and what
    else is known): numbered, with a short reference, the community and address the directory
    knows for the number where not given, its priority and clock, and its 'created' event."""
    year = now.astimezone(ZoneInfo(timezone)).year
    ticket.seq, ticket.number = next_number(session, year)
    ticket.year = year
    category = ticket.category
    ticket.priority = Priority.URGENT if category and category.urgent else Priority.NORMAL
    ticket.created_at = now
    ticket.due_at = clock.due_at(now, category, ticket.priority, sla_hours)
    session.add(ticket)
    residents.fill_from_directory(session, ticket)
    session.flush()
    give_ref(session, ticket)
    workflow.record(session, ticket, EventKind.CREATED, actor, now)
    logger.info("ticket %s opened (%s)", ticket.number, "web" if ticket.call_id is None else "call")
    return ticket


REF_ATTEMPTS = 5


def give_ref(session: Session, ticket: Ticket) -> None:
    """Give the ticket a short reference; a concurrent ticket that drew the same one first
    makes this one draw again (the partial unique index decides)."""
    for _ in range(REF_ATTEMPTS):
        try:
            with session.begin_nested():
                ticket.ref = workflow.new_ref(session)
                session.flush()
            return
        except IntegrityError:
            continue
    raise RuntimeError("no short reference after repeated collisions")


# The first run's categories (the shipped IVR menu's). After that the category table is the
# truth: administrators change categories at /admin/categories.
CATEGORIES = (
    # code, Chinese name, English name, urgent, hours promised (3 days; lock-outs in hours)
    ("water_electric", "水电维修", "water and electricity repair", False, 72),
    ("pipe_network", "管网维修", "pipe network", False, 72),
    ("lockout", "紧急开锁", "emergency lock-out", True, 4),
    ("complaint", "投诉咨询", "complaint or consultation", False, 72),
)


def ensure_categories(session: Session) -> None:
    """Add whichever of the seed categories is missing (the demo seed's and tests' start)."""
    existing = set(session.scalars(select(Category.code)))
    for code, name_zh, name_en, urgent, sla_hours in CATEGORIES:
        if code not in existing:
            session.add(
                Category(
                    code=code, name_zh=name_zh, name_en=name_en, urgent=urgent, sla_hours=sla_hours
                )
            )
    session.flush()


def seed_categories(session: Session) -> bool:
    """On the first run only (no category at all yet), add the seed categories; whether it
    did. Categories deleted later are never brought back."""
    if session.scalar(select(Category.id).limit(1)) is not None:
        return False
    ensure_categories(session)
    return True


def offered_categories(session: Session, keep: Collection[int | None] = ()) -> list[Category]:
    """The categories forms offer for new or changed tickets and skills: the active ones by
    code, and those in `keep` (what a ticket or technician already has) even if retired."""
    wanted: ColumnElement[bool] = Category.active.is_(True)
    kept = [category_id for category_id in keep if category_id is not None]
    if kept:
        wanted = or_(wanted, Category.id.in_(kept))
    return list(session.scalars(select(Category).where(wanted).order_by(Category.code)))
