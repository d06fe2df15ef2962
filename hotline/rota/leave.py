"""Leave: periods a volunteer cannot take calls, and the scheduled shifts each one empties.

A volunteer on leave drops out of the chain and nobody is put on duty in their place (see
hotline.rota.chain): the shifts a leave empties are listed here so the volunteer and the
supervisors see them at once, and the coverage report flags them until an override covers them.

Leave never reaches into the past: it counts from now at the earliest, and calling off leave
under way ends it now, so who was on duty (what calls rang, the fairness report) stays true.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, joinedload

from hotline.models import Leave, Volunteer
from hotline.rota.chain import ShiftWindow, merge_runs, plan_between
from hotline.rota.errors import N_, RotaError, check_window

# How far ahead leave is checked against the rota; like the coverage report, not for ever.
LOOKAHEAD = timedelta(days=60)


@dataclass(frozen=True)
class LeaveClash:
    """A period of leave and the scheduled shifts it empties (from now, within LOOKAHEAD)."""

    leave: Leave
    dropped: list[ShiftWindow]


def add_leave(
    session: Session, volunteer_id: int, starts_at: datetime, ends_at: datetime, reason: str = ""
) -> Leave:
    """Record a period a volunteer cannot take calls."""
    check_window(starts_at, ends_at)
    leave = Leave(volunteer_id=volunteer_id, starts_at=starts_at, ends_at=ends_at, reason=reason)
    session.add(leave)
    session.flush()
    return leave


def on_leave(session: Session, volunteer_id: int, starts_at: datetime, ends_at: datetime) -> bool:
    """True when the volunteer has leave overlapping [starts_at, ends_at)."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Leave.volunteer_id == volunteer_id,
                    Leave.starts_at < ends_at,
                    Leave.ends_at > starts_at,
                )
            )
        )
    )


def take_leave(
    session: Session,
    *,
    volunteer_id: int,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    reason: str = "",
) -> LeaveClash:
    """Record leave from `starts_at` (now at the earliest) and list the shifts it empties."""
    if session.get(Volunteer, volunteer_id) is None:
        raise RotaError(N_("no volunteer %(id)s"), id=volunteer_id)
    if ends_at <= starts_at:
        raise RotaError(N_("the end must come after the start"))
    if ends_at <= now:
        raise RotaError(N_("that leave would be over already"))
    leave = add_leave(session, volunteer_id, max(starts_at, now), ends_at, reason)
    return _clashes(session, [leave], now)[0]


def upcoming_leave(
    session: Session, now: datetime, *, volunteer_id: int | None = None
) -> list[LeaveClash]:
    """Leave not yet over (one volunteer's or everyone's), soonest first, with what it empties."""
    query = (
        select(Leave)
        .where(Leave.ends_at > now)
        .options(joinedload(Leave.volunteer))
        .order_by(Leave.starts_at, Leave.id)
    )
    if volunteer_id is not None:
        query = query.where(Leave.volunteer_id == volunteer_id)
    return _clashes(session, list(session.scalars(query)), now)


def cancel_leave(
    session: Session, leave_id: int, now: datetime, *, volunteer_id: int | None = None
) -> None:
    """Call off leave (by its volunteer, or a supervisor when no id): deleted, or ended now."""
    leave = session.get(Leave, leave_id, with_for_update=True)
    if leave is None:
        raise RotaError(N_("no leave %(id)s"), id=leave_id)
    if volunteer_id is not None and volunteer_id != leave.volunteer_id:
        raise RotaError(N_("only the volunteer on leave or a supervisor can call it off"))
    if leave.ends_at <= now:
        raise RotaError(N_("that leave is over already"))
    if leave.starts_at >= now:
        session.delete(leave)
    else:
        leave.ends_at = now
    session.flush()


def _clashes(session: Session, leaves: Sequence[Leave], now: datetime) -> list[LeaveClash]:
    """Each leave with the shifts it empties, from one plan over all of them."""
    if not leaves:
        return []
    start = max(now, min(leave.starts_at for leave in leaves))
    end = min(max(leave.ends_at for leave in leaves), now + LOOKAHEAD)
    missing = plan_between(session, start, end).missing() if start < end else []
    clashes = []
    for leave in leaves:
        lo, hi = max(leave.starts_at, now), min(leave.ends_at, end)
        dropped = [
            replace(w, starts_at=max(w.starts_at, lo), ends_at=min(w.ends_at, hi))
            for w in missing
            if w.volunteer_id == leave.volunteer_id and w.starts_at < hi and w.ends_at > lo
        ]
        clashes.append(LeaveClash(leave, merge_runs(dropped)))
    return clashes
