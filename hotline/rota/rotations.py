"""Who answers the line: the on-duty chain from rotations, overrides and leave; rota changes.

The chain rules (overrides win, leave removes without refilling, each volunteer once on their
lowest layer) are in hotline.rota.chain. The supervisors' fallback number is not part of
the chain; the call path appends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, exists, func, or_, select, tuple_
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.sql.elements import BindParameter

from hotline.db import UTCDateTime
from hotline.models import Leave, Override, Rotation, RotationMember, Volunteer
from hotline.phone import normalize_number
from hotline.rota.cadence import wall
from hotline.rota.chain import Duty, ShiftWindow, cadence, merge_runs, resolve, schedule


def N_(message: str) -> str:
    """Mark a RotaError message for the catalogs (pybabel extracts N_ by default)."""
    return message


class RotaError(ValueError):
    """A rota change that cannot be made: `message` (an English msgid) filled in with `params`.

    The domain imports no flask_babel, so messages are only marked with N_; str(error) is the
    English text (the CLI's), and the pages show gettext(error.message, **error.params).
    """

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class OnDuty:
    """One link of the on-duty chain: who to ring and on which layer (1 = primary)."""

    volunteer_id: int | None
    name: str
    number: str
    layer: int


# on_duty runs on every incoming call: its statements are built once, bound to `at` per call.
AT: BindParameter[datetime] = bindparam("at", type_=UTCDateTime())
_ROTATIONS_AT = select(
    Rotation.id,
    Rotation.layer,
    Rotation.shift_hours,
    Rotation.handoff_time,
    Rotation.starts_at,
    Rotation.ends_at,
    Rotation.timezone,
    Rotation.weekdays,
    Rotation.hours_from,
    Rotation.hours_to,
    select(func.count())
    .where(RotationMember.rotation_id == Rotation.id)
    .correlate(Rotation)
    .scalar_subquery()
    .label("size"),
).where(
    Rotation.active.is_(True),
    Rotation.starts_at <= AT,
    or_(Rotation.ends_at.is_(None), Rotation.ends_at > AT),
)
_ON_LEAVE_AT = (
    exists()
    .where(Leave.volunteer_id == Volunteer.id, Leave.starts_at <= AT, Leave.ends_at > AT)
    .label("on_leave")
)
_PERSON = (Volunteer.id, Volunteer.name, Volunteer.mobile, Volunteer.active, _ON_LEAVE_AT)
_MEMBERS_AT = (
    select(RotationMember.rotation_id, RotationMember.position, *_PERSON)
    .join(Volunteer, RotationMember.volunteer_id == Volunteer.id)
    .where(
        tuple_(RotationMember.rotation_id, RotationMember.position).in_(
            bindparam("turns", expanding=True)
        )
    )
)
_OVERRIDES_AT = (
    select(Override.id, Override.layer, *_PERSON)
    .join(Volunteer, Override.volunteer_id == Volunteer.id)
    .where(Override.cancelled_at.is_(None), Override.starts_at <= AT, Override.ends_at > AT)
)


def on_duty(session: Session, at: datetime) -> list[OnDuty]:
    """The ordered chain of volunteers on duty at `at`, each volunteer once (rules above)."""
    # Only the member whose turn it is gets loaded: (rotation, position) -> layer.
    wanted: dict[tuple[int, int], int] = {}
    for row in session.execute(_ROTATIONS_AT, {"at": at}):
        turn = cadence(row).turn_at(at) if row.size else None
        if turn is not None:
            wanted[(row.id, turn % row.size)] = row.layer

    people: dict[int, tuple[str, str]] = {}
    unavailable: set[int] = set()

    def note(volunteer_id: int, name: str, mobile: str, active: bool, away: bool) -> None:
        people[volunteer_id] = (name, mobile)
        if not active or away:
            unavailable.add(volunteer_id)

    turns: list[Duty] = []
    if wanted:
        members = session.execute(_MEMBERS_AT, {"at": at, "turns": list(wanted)})
        for rotation_id, position, volunteer_id, name, mobile, active, away in members:
            note(volunteer_id, name, mobile, active, away)
            turns.append(
                Duty(wanted[(rotation_id, position)], volunteer_id, rotation_id=rotation_id)
            )
    overrides: list[Duty] = []
    rows = session.execute(_OVERRIDES_AT, {"at": at})
    for override_id, layer, volunteer_id, name, mobile, active, away in rows:
        note(volunteer_id, name, mobile, active, away)
        overrides.append(Duty(layer, volunteer_id, override_id=override_id))

    return [
        OnDuty(d.volunteer_id, *people[d.volunteer_id], d.layer)
        for d in resolve(turns, overrides, unavailable)
    ]


def shifts_between(
    session: Session, start: datetime, end: datetime, *, volunteer_id: int | None = None
) -> list[ShiftWindow]:
    """Expanded windows on duty within [start, end) (clipped), optionally of one volunteer."""
    windows = schedule(session, start, end).windows()
    if volunteer_id is None:
        return windows
    return [w for w in windows if w.volunteer_id == volunteer_id]


def _check_window(starts_at: datetime, ends_at: datetime | None) -> None:
    if ends_at is not None and ends_at <= starts_at:
        raise RotaError(N_("the end must come after the start"))


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
    _check_window(starts_at, ends_at)
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
    turn = cadence(old).turn(at)
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
    _check_window(starts_at, ends_at)
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


def add_leave(
    session: Session, volunteer_id: int, starts_at: datetime, ends_at: datetime, reason: str = ""
) -> Leave:
    """Record a period a volunteer cannot take calls."""
    _check_window(starts_at, ends_at)
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


def member_ids(session: Session, mobiles: Sequence[str]) -> list[int]:
    """Volunteer ids, in order, for mobiles written any usual way; RotaError names unknown ones."""
    wanted = [(text, normalize_number(text) or "") for text in mobiles]
    found: dict[str, int] = {}
    for mobile, volunteer_id in session.execute(
        select(Volunteer.mobile, Volunteer.id).where(Volunteer.mobile.in_({m for _, m in wanted}))
    ):
        found[mobile] = volunteer_id
    unknown = [text for text, mobile in wanted if mobile not in found]
    if unknown:
        raise RotaError(N_("no volunteer has the mobile %(mobiles)s"), mobiles=", ".join(unknown))
    return [found[mobile] for _, mobile in wanted]


def upcoming_shifts(
    session: Session, volunteer_id: int, now: datetime, days: int = 30
) -> list[ShiftWindow]:
    """A volunteer's shifts (back-to-back windows joined) running now or in the next `days`."""
    return merge_runs(
        shifts_between(session, now, now + timedelta(days=days), volunteer_id=volunteer_id)
    )


def seed_demo_rota(session: Session, volunteers: list[Volunteer], now: datetime) -> None:
    """A daily primary rotation (08:00 handoff) and a daily backup (20:00), both on duty now."""
    if not volunteers:
        return
    tz = ZoneInfo("Asia/Shanghai")
    # Both start at this morning's 08:00 (yesterday's when it is earlier than 08:00); the
    # backup hands over at 20:00 so primary and backup never both change at once.
    morning = datetime.combine(wall(now, tz).date(), time(8, 0), tz)
    if morning > now:
        morning -= timedelta(days=1)
    half = max(1, len(volunteers) // 2)
    ids = [v.id for v in volunteers]
    create_rotation(session, name="主班 Primary", member_ids=ids[:half], starts_at=morning)
    if ids[half:]:
        create_rotation(
            session,
            name="备班 Backup",
            member_ids=ids[half:],
            starts_at=morning,
            layer=2,
            handoff_time=time(20, 0),
        )
