"""Shift swaps: A offers a window of their shift, B takes it, a supervisor may have to approve.

An approved swap is an override putting B on A's layer for the window (replacing A), so it
beats the rotation like any override. Requests are never deleted: their statuses and
timestamps are the history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from hotline.messaging.texts import text
from hotline.models import SwapRequest, SwapStatus, Volunteer
from hotline.rota.chain import merge_runs
from hotline.rota.duty import shifts_between
from hotline.rota.errors import N_, RotaError
from hotline.rota.leave import on_leave
from hotline.rota.overrides import add_override, cancel_override

# Requests still in play: the dashboard's queue and the volunteers' swap board.
OPEN = (SwapStatus.OFFERED, SwapStatus.TAKEN)


def _get(session: Session, swap_id: int) -> SwapRequest:
    swap = session.get(SwapRequest, swap_id, with_for_update=True)
    if swap is None:
        raise RotaError(N_("no swap request %(id)s"), id=swap_id)
    return swap


def offer_swap(
    session: Session,
    *,
    volunteer_id: int,
    layer: int,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    note: str = "",
) -> SwapRequest:
    """Offer [starts_at, ends_at) of the volunteer's own duty on `layer` to whoever takes it."""
    if starts_at <= now:
        raise RotaError(N_("only shifts that have not started can be offered"))
    if ends_at <= starts_at:
        raise RotaError(N_("the end must come after the start"))
    runs = merge_runs(
        w
        for w in shifts_between(session, starts_at, ends_at, volunteer_id=volunteer_id)
        if w.layer == layer
    )
    if not any(r.starts_at <= starts_at and r.ends_at >= ends_at for r in runs):
        raise RotaError(N_("you are not on duty on that layer for the whole window"))
    clash = session.scalar(
        select(SwapRequest.id).where(
            SwapRequest.offered_by_id == volunteer_id,
            SwapRequest.layer == layer,
            SwapRequest.status.in_(OPEN),
            SwapRequest.starts_at < ends_at,
            SwapRequest.ends_at > starts_at,
        )
    )
    if clash is not None:
        raise RotaError(N_("that window is already offered (request %(id)s)"), id=clash)
    swap = SwapRequest(
        offered_by_id=volunteer_id,
        layer=layer,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note,
        created_at=now,
    )
    session.add(swap)
    session.flush()
    return swap


def take_swap(
    session: Session, swap_id: int, volunteer_id: int, now: datetime, *, requires_approval: bool
) -> SwapRequest:
    """Take an offered window; without required approval the swap is approved at once."""
    swap = _get(session, swap_id)
    if swap.status is not SwapStatus.OFFERED:
        raise RotaError(N_("this swap is no longer on offer"))
    if swap.starts_at <= now:
        raise RotaError(N_("this shift has already started"))
    if volunteer_id == swap.offered_by_id:
        raise RotaError(N_("you cannot take your own shift"))
    taker = session.get(Volunteer, volunteer_id)
    if taker is None or not taker.active:
        raise RotaError(N_("that volunteer is not active"))
    if on_leave(session, volunteer_id, swap.starts_at, swap.ends_at):
        raise RotaError(N_("%(name)s is on leave during that window"), name=taker.name)
    swap.taken_by_id = volunteer_id
    swap.taken_at = now
    swap.status = SwapStatus.TAKEN
    if not requires_approval:
        _approve(session, swap, None, now)
    session.flush()
    return swap


def _approve(session: Session, swap: SwapRequest, user_id: int | None, now: datetime) -> None:
    if swap.taken_by_id is None:
        raise RotaError(N_("nobody has taken this swap"))
    override = add_override(
        session,
        volunteer_id=swap.taken_by_id,
        layer=swap.layer,
        starts_at=swap.starts_at,
        ends_at=swap.ends_at,
        replaced_volunteer_id=swap.offered_by_id,
        reason=text("rota.swap_override_reason", swap_id=swap.id),
        created_by_id=user_id,
    )
    swap.override_id = override.id
    swap.status = SwapStatus.APPROVED
    swap.decided_by_id = user_id
    swap.decided_at = now


def approve_swap(session: Session, swap_id: int, user_id: int, now: datetime) -> SwapRequest:
    """A supervisor approves a taken swap: the taker is put on duty by an override."""
    swap = _get(session, swap_id)
    if swap.status is not SwapStatus.TAKEN:
        raise RotaError(N_("only a taken swap can be approved"))
    if swap.ends_at <= now:
        raise RotaError(N_("this shift is over"))
    _approve(session, swap, user_id, now)
    session.flush()
    return swap


def reject_swap(
    session: Session, swap_id: int, user_id: int, now: datetime, note: str = ""
) -> SwapRequest:
    """A supervisor refuses a taken swap; the offerer keeps the shift."""
    swap = _get(session, swap_id)
    if swap.status is not SwapStatus.TAKEN:
        raise RotaError(N_("only a taken swap can be rejected"))
    swap.status = SwapStatus.REJECTED
    swap.decided_by_id = user_id
    swap.decided_at = now
    swap.decision_note = note
    session.flush()
    return swap


def cancel_swap(
    session: Session, swap_id: int, now: datetime, *, volunteer_id: int | None = None
) -> SwapRequest:
    """Withdraw a swap before its window starts (by its offerer, or a supervisor when no id)."""
    swap = _get(session, swap_id)
    if volunteer_id is not None and volunteer_id != swap.offered_by_id:
        raise RotaError(N_("only the volunteer who offered it can withdraw this swap"))
    if swap.status not in (*OPEN, SwapStatus.APPROVED):
        raise RotaError(N_("this swap is already settled"))
    if swap.starts_at <= now:
        raise RotaError(N_("this shift has already started"))
    if swap.override_id is not None:
        cancel_override(session, swap.override_id, now)
    swap.status = SwapStatus.CANCELLED
    swap.cancelled_at = now
    session.flush()
    return swap


def open_swaps(session: Session, now: datetime) -> list[SwapRequest]:
    """Swaps on offer or awaiting a supervisor whose window has not started, soonest first."""
    return list(
        session.scalars(
            select(SwapRequest)
            .where(SwapRequest.status.in_(OPEN), SwapRequest.starts_at > now)
            .options(joinedload(SwapRequest.offered_by), joinedload(SwapRequest.taken_by))
            .order_by(SwapRequest.starts_at)
        )
    )


def available_swaps(session: Session, volunteer_id: int, now: datetime) -> list[SwapRequest]:
    """Windows other volunteers offer that this one could take, soonest first."""
    return list(
        session.scalars(
            select(SwapRequest)
            .where(
                SwapRequest.status == SwapStatus.OFFERED,
                SwapRequest.starts_at > now,
                SwapRequest.offered_by_id != volunteer_id,
            )
            .options(joinedload(SwapRequest.offered_by))
            .order_by(SwapRequest.starts_at)
        )
    )


def swaps_offered_by(session: Session, volunteer_id: int, now: datetime) -> list[SwapRequest]:
    """A volunteer's own swap requests whose window has not started, soonest first."""
    return list(
        session.scalars(
            select(SwapRequest)
            .where(SwapRequest.offered_by_id == volunteer_id, SwapRequest.starts_at > now)
            .options(joinedload(SwapRequest.taken_by))
            .order_by(SwapRequest.starts_at)
        )
    )
