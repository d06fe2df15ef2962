"""The dashboard's home: today at a glance for supervisors, and a volunteer's own corner (their
next shift, the calls they took, swaps they could take)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from hotline.models import (
    Call,
    CallOutcome,
    Category,
    Recording,
    SwapRequest,
    SwapStatus,
    Ticket,
)
from hotline.review.scope import Scope
from hotline.review.voicemail import QueueCounts, queue_counts
from hotline.rota.chain import ShiftWindow
from hotline.rota.duty import OnDuty, on_duty, shifts_between, upcoming_shifts
from hotline.rota.swaps import available_swaps, swaps_offered_by
from hotline.tickets.clock import instant, warn_due
from hotline.tickets.lifecycle import OPEN_STATUSES

# How many tickets at risk, calls taken and swaps the home page lists.
LISTED = 5
# How far ahead "next on duty" looks.
NEXT_WITHIN = timedelta(hours=48)


@dataclass(frozen=True)
class Today:
    """Today (local) for supervisors."""

    start: datetime  # local midnight
    calls: int
    answered: int
    voicemails: int
    open_tickets: int
    at_risk: int  # open, 80% of their promised time gone, not yet due
    overdue: int  # open and past due
    at_risk_tickets: list[Ticket]  # the overdue first, then the soonest due
    on_duty: list[OnDuty]
    next_on_duty: list[ShiftWindow]  # the next shift(s) to start, by layer
    review: QueueCounts
    calls_per_hour: list[int]  # 24 local hours
    by_category: list[tuple[Category | None, int]]  # today's tickets, most first


@dataclass(frozen=True)
class Mine:
    """A volunteer's own corner of the home page."""

    next_shift: ShiftWindow | None  # the next to start
    current_shift: ShiftWindow | None  # the one running now (back-to-back shifts joined)
    calls: list[tuple[Call, str | None]]  # the calls they took (ticket number), newest first
    swaps: list[SwapRequest]  # offers by others they could take, soonest first
    waiting: list[SwapRequest]  # their own offers nobody took yet or awaiting approval

    @property
    def on_duty_now(self) -> bool:
        """Whether they are on duty now."""
        return self.current_shift is not None


def _local_day(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    start = datetime.combine(now.astimezone(zone).date(), time.min, tzinfo=zone)
    return start, datetime.combine(start.date() + timedelta(days=1), time.min, tzinfo=zone)


def today(session: Session, now: datetime, timezone: str) -> Today:
    """Today's figures, the tickets at risk, who is on duty now and next, the review queue and
    the charts' numbers."""
    start, end = _local_day(now, timezone)
    zone = ZoneInfo(timezone)
    started = list(
        session.scalars(
            select(Call.started_at).where(Call.started_at >= start, Call.started_at < end)
        )
    )
    per_hour = [0] * 24
    for moment in started:
        per_hour[moment.astimezone(zone).hour] += 1
    answered = session.scalar(
        select(func.count(Call.id)).where(
            Call.started_at >= start, Call.started_at < end, Call.outcome == CallOutcome.ANSWERED
        )
    )
    voicemails = session.scalar(
        select(func.count(Recording.id)).where(
            Recording.created_at >= start, Recording.created_at < end
        )
    )
    is_open = Ticket.status.in_(OPEN_STATUSES)
    late = Ticket.due_at <= instant(now)
    risky = and_(warn_due(now), Ticket.due_at > instant(now))
    open_tickets, overdue, at_risk = session.execute(
        select(
            func.count(Ticket.id),
            func.count(Ticket.id).filter(late),
            func.count(Ticket.id).filter(risky),
        ).where(is_open)
    ).one()
    at_risk_tickets = list(
        session.scalars(
            select(Ticket)
            .where(is_open, late | risky)
            .options(selectinload(Ticket.category), selectinload(Ticket.community))
            .order_by(Ticket.due_at, Ticket.id)
            .limit(LISTED)
        )
    )
    by_category: list[tuple[Category | None, int]] = [
        (category, count)
        for category, count in session.execute(
            select(Category, func.count(Ticket.id))
            .select_from(Ticket)
            .outerjoin(Category, Ticket.category_id == Category.id)
            .where(Ticket.created_at >= start, Ticket.created_at < end)
            .group_by(Category.id)
            .order_by(func.count(Ticket.id).desc(), Category.id)
        )
    ]
    upcoming = [w for w in shifts_between(session, now, now + NEXT_WITHIN) if w.starts_at > now]
    first = min((w.starts_at for w in upcoming), default=None)
    next_on_duty = sorted(
        (w for w in upcoming if w.starts_at == first), key=lambda w: (w.layer, w.name)
    )
    return Today(
        start=start,
        calls=len(started),
        answered=answered or 0,
        voicemails=voicemails or 0,
        open_tickets=open_tickets,
        at_risk=at_risk,
        overdue=overdue,
        at_risk_tickets=at_risk_tickets,
        on_duty=on_duty(session, now),
        next_on_duty=next_on_duty,
        review=queue_counts(session),
        calls_per_hour=per_hour,
        by_category=by_category,
    )


def mine(session: Session, scope: Scope, now: datetime) -> Mine | None:
    """A volunteer's next shift, the calls they took, the swaps they could take and their own
    swaps still waiting; None for a login not linked to a volunteer."""
    volunteer_id = scope.volunteer_id
    if volunteer_id is None:
        return None
    shifts = upcoming_shifts(session, volunteer_id, now)
    current = next((s for s in shifts if s.starts_at <= now < s.ends_at), None)
    upcoming = next((s for s in shifts if s.starts_at > now), None)
    calls: list[tuple[Call, str | None]] = [
        (call, number)
        for call, number in session.execute(
            scope.calls(select(Call, Ticket.number))
            .outerjoin(Ticket, Ticket.call_id == Call.id)
            .order_by(Call.started_at.desc(), Call.id.desc())
            .limit(LISTED)
        )
    ]
    return Mine(
        next_shift=upcoming,
        current_shift=current,
        calls=calls,
        swaps=available_swaps(session, volunteer_id, now)[:LISTED],
        waiting=[
            swap
            for swap in swaps_offered_by(session, volunteer_id, now)
            if swap.status in (SwapStatus.OFFERED, SwapStatus.TAKEN)
        ][:LISTED],
    )
