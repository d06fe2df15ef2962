"""Rotations: who takes turns on a layer, in what order and to what rhythm, and their changes.

A rotation's turns are computed from its fields (hotline.rota.cadence), so a change never
edits one in place: revise_rotation ends it and starts a new one, keeping who was on duty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from hotline.models import Rotation, RotationMember
from hotline.rota.chain import cadence_of
from hotline.rota.errors import N_, RotaError, check_window


def create_rotation(
    session: Session,
    *,
    name: str,
    member_ids: Sequence[int],
    starts_at: datetime,
    layer: int = 1,
    shift_hours: int = 24,
    handoff_time: time = time(8, 0),
    timezone: str = "Asia/Shanghai",
    ends_at: datetime | None = None,
    weekdays: int | None = None,
    hours: tuple[time, time] | None = None,
) -> Rotation:
    """Add a rotation of `member_ids` in that order (the first is on duty at `starts_at`)."""
    if not name.strip():
        raise RotaError(N_("a rotation needs a name"))
    if layer < 1:
        raise RotaError(N_("layers are numbered from 1 (primary)"))
    if shift_hours < 1:
        raise RotaError(N_("a shift lasts at least one hour"))
    if weekdays is not None and not 1 <= weekdays <= 127:
        raise RotaError(N_("pick at least one weekday"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise RotaError(N_("unknown time zone %(zone)s"), zone=timezone) from None
    check_window(starts_at, ends_at)
    rotation = Rotation(
        name=name.strip(),
        layer=layer,
        shift_hours=shift_hours,
        handoff_time=handoff_time,
        timezone=timezone,
        starts_at=starts_at,
        ends_at=ends_at,
        weekdays=weekdays,
        hours_from=hours[0] if hours else None,
        hours_to=hours[1] if hours else None,
        members=[RotationMember(position=i, volunteer_id=v) for i, v in enumerate(member_ids)],
    )
    session.add(rotation)
    session.flush()
    return rotation


def end_rotation(session: Session, rotation_id: int, at: datetime) -> Rotation:
    """Stop a rotation at `at`, its past turns kept as history (one not yet started is dropped)."""
    rotation = session.get(Rotation, rotation_id)
    if rotation is None:
        raise RotaError(N_("no rotation %(id)s"), id=rotation_id)
    if at <= rotation.starts_at:
        rotation.active = False
    elif rotation.ends_at is None or at < rotation.ends_at:
        rotation.ends_at = at
    session.flush()
    return rotation


@dataclass(frozen=True)
class RotationSettings:
    """What a supervisor may change on a rotation (its time zone stays)."""

    name: str
    member_ids: Sequence[int]
    layer: int
    shift_hours: int
    handoff_time: time
    ends_at: datetime | None
    weekdays: int | None
    hours: tuple[time, time] | None
    active: bool = True


def revise_rotation(
    session: Session,
    rotation_id: int,
    changes: RotationSettings,
    *,
    now: datetime,
    at: datetime | None = None,
) -> Rotation | None:
    """Change a rotation from `at` (now at the earliest): it ends then and a new one takes over.

    Not edited in place: every turn, past ones too, is computed from the rotation's fields, so
    an edit in place would rewrite who was on duty (the calendar, the fairness report, what a
    call rang). The old rotation ends at `at` (one not yet started is switched off, kept as the
    record of the plan) and a new one with `changes` starts then, or at the old start if later.
    The new order begins with whoever holds the turn at `at` (or the next of the old order still
    in the list), so an edit never swaps the volunteer on duty mid-turn; an override does that.
    With `active` off the rotation just ends. Returns the new rotation, or None.
    """
    old = session.get(Rotation, rotation_id, with_for_update=True)
    if old is None:
        raise RotaError(N_("no rotation %(id)s"), id=rotation_id)
    at = now if at is None else max(at, now)
    if not old.active or (old.ends_at is not None and old.ends_at <= at):
        raise RotaError(N_("this rotation has ended already"))
    new = None
    if changes.active:
        new = create_rotation(
            session,
            name=changes.name,
            member_ids=_carry_on(old, list(changes.member_ids), at),
            starts_at=max(old.starts_at, at),
            layer=changes.layer,
            shift_hours=changes.shift_hours,
            handoff_time=changes.handoff_time,
            timezone=old.timezone,
            ends_at=changes.ends_at,
            weekdays=changes.weekdays,
            hours=changes.hours,
        )
    end_rotation(session, old.id, at)
    return new


def _carry_on(old: Rotation, member_ids: list[int], at: datetime) -> list[int]:
    """`member_ids` turned to start with whoever holds old's turn at `at` (or the next in it)."""
    if at <= old.starts_at or not old.members or not member_ids:
        return member_ids
    turn = cadence_of(old).turn(at)
    size = len(old.members)
    for step in range(size):
        holder = old.members[(turn + step) % size].volunteer_id
        if holder in member_ids:
            first = member_ids.index(holder)
            return member_ids[first:] + member_ids[:first]
    return member_ids


def get_rotation(session: Session, rotation_id: int) -> Rotation | None:
    """A rotation with its members' volunteers loaded, or None."""
    return session.scalar(
        select(Rotation)
        .where(Rotation.id == rotation_id)
        .options(selectinload(Rotation.members).joinedload(RotationMember.volunteer))
    )


def list_rotations(session: Session, now: datetime) -> list[Rotation]:
    """Rotations still running or yet to start, by layer, with their members' names loaded."""
    return list(
        session.scalars(
            select(Rotation)
            .where(
                Rotation.active.is_(True), or_(Rotation.ends_at.is_(None), Rotation.ends_at > now)
            )
            .options(selectinload(Rotation.members).joinedload(RotationMember.volunteer))
            .order_by(Rotation.layer, Rotation.starts_at, Rotation.id)
        )
    )
