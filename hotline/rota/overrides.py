"""Overrides: a volunteer put on a layer for a window, over whatever the rotations say.

The most recently created override on a layer wins (see hotline.rota.chain); a cancelled one
stops counting but stays as history. Approved swaps are overrides too (hotline.rota.swaps).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from hotline.models import Override, Volunteer
from hotline.rota.errors import N_, RotaError, check_window
from hotline.rota.leave import on_leave


def add_override(
    session: Session,
    *,
    volunteer_id: int,
    starts_at: datetime,
    ends_at: datetime,
    layer: int = 1,
    replaced_volunteer_id: int | None = None,
    reason: str = "",
    created_by_id: int | None = None,
) -> Override:
    """Put a volunteer on a layer for a window, over whatever the rotations say."""
    check_window(starts_at, ends_at)
    if layer < 1:
        raise RotaError(N_("layers are numbered from 1 (primary)"))
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None or not volunteer.active:
        raise RotaError(N_("that volunteer is not active"))
    if on_leave(session, volunteer_id, starts_at, ends_at):
        raise RotaError(N_("%(name)s is on leave during that window"), name=volunteer.name)
    override = Override(
        volunteer_id=volunteer_id,
        layer=layer,
        starts_at=starts_at,
        ends_at=ends_at,
        replaced_volunteer_id=replaced_volunteer_id,
        reason=reason,
        created_by_id=created_by_id,
    )
    session.add(override)
    session.flush()
    return override


def cancel_override(session: Session, override_id: int, now: datetime) -> Override:
    """Stop an override from counting; the row stays as history."""
    override = session.get(Override, override_id)
    if override is None:
        raise RotaError(N_("no override %(id)s"), id=override_id)
    if override.cancelled_at is None:
        override.cancelled_at = now
        session.flush()
    return override


def upcoming_overrides(session: Session, now: datetime) -> list[Override]:
    """Overrides not yet over and not cancelled, soonest first, with the people loaded."""
    return list(
        session.scalars(
            select(Override)
            .where(Override.cancelled_at.is_(None), Override.ends_at > now)
            .options(joinedload(Override.volunteer), joinedload(Override.replaced_volunteer))
            .order_by(Override.starts_at, Override.id)
        )
    )
