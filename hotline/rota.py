"""Who answers the line: the on-duty chain computed from rotations, overrides and leave.

The chain at an instant is built layer by layer (1 = primary, then backups):

- A layer's volunteers come from its rotations whose turn is running (ordered by rotation id),
  unless an override covers the layer: then the most recently created override's volunteer
  alone holds it (PagerDuty's rule), so a swap of a swap wins over the first swap.
- A volunteer on leave, or inactive, is dropped, and their layer is not refilled from the
  rotation: like PagerDuty and Grafana OnCall, nobody is put on duty implicitly; the chain
  moves on to the next layer and the coverage report flags the conflict for a supervisor,
  who fixes it with an override.
- Each volunteer appears once, on their lowest layer.

The supervisors' fallback number is not part of the chain; the call path appends it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, exists, func, or_, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from hotline.db import UTCDateTime
from hotline.models import Leave, Override, Rotation, RotationMember, Volunteer
from hotline.rota_time import Cadence, Restriction, wall

T = TypeVar("T")


class RotaError(ValueError):
    """A rota change that cannot be made; the message says why and is shown to the user."""


@dataclass(frozen=True)
class OnDuty:
    """One link of the on-duty chain: who to ring and on which layer (1 = primary)."""

    volunteer_id: int | None
    name: str
    number: str
    layer: int


@dataclass(frozen=True)
class Duty:
    """A volunteer holding a layer, from a rotation's turn or from an override."""

    layer: int
    volunteer_id: int
    rotation_id: int | None = None
    override_id: int | None = None


def resolve(
    turns: Iterable[Duty], overrides: Iterable[Duty], unavailable: Collection[int]
) -> list[Duty]:
    """The chain from the rotation turns and overrides running at one instant (rules above)."""
    latest: dict[int, Duty] = {}
    for duty in overrides:
        held = latest.get(duty.layer)
        if held is None or (duty.override_id or 0) > (held.override_id or 0):
            latest[duty.layer] = duty
    layers: dict[int, list[Duty]] = {layer: [duty] for layer, duty in latest.items()}
    for duty in sorted(turns, key=lambda d: d.rotation_id or 0):
        if duty.layer not in latest:
            layers.setdefault(duty.layer, []).append(duty)
    chain: list[Duty] = []
    seen: set[int] = set()
    for layer in sorted(layers):
        for duty in layers[layer]:
            if duty.volunteer_id not in unavailable and duty.volunteer_id not in seen:
                seen.add(duty.volunteer_id)
                chain.append(duty)
    return chain


def cadence(rotation: Any) -> Cadence:
    """The cadence of a Rotation (or of a row with the same fields)."""
    return Cadence.build(
        starts_at=rotation.starts_at,
        ends_at=rotation.ends_at,
        handoff=rotation.handoff_time,
        shift_hours=rotation.shift_hours,
        timezone=rotation.timezone,
        restriction=Restriction(rotation.weekdays, rotation.hours_from, rotation.hours_to),
    )


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


@dataclass(frozen=True)
class Segment:
    """A stretch of time over which the chain does not change."""

    starts_at: datetime
    ends_at: datetime
    chain: tuple[Duty, ...]
    # Who would be in the chain but is on leave or inactive: the coverage report's conflicts.
    missing: tuple[Duty, ...]


@dataclass(frozen=True)
class ShiftWindow:
    """A volunteer on a layer for a window, from one rotation or one override."""

    volunteer_id: int
    name: str
    layer: int
    starts_at: datetime
    ends_at: datetime
    rotation_id: int | None
    override_id: int | None

    @property
    def hours(self) -> float:
        """Length of the window in hours."""
        return (self.ends_at - self.starts_at).total_seconds() / 3600


@dataclass(frozen=True)
class Schedule:
    """The rota over a window: its segments, and the names of everyone in them."""

    segments: list[Segment]
    names: dict[int, str]
    inactive: frozenset[int]

    def windows(self) -> list[ShiftWindow]:
        """Each volunteer's windows on duty, in order of start then layer."""
        return self._windows(lambda segment: segment.chain)

    def missing(self) -> list[ShiftWindow]:
        """Windows a volunteer should be on duty but is on leave or inactive."""
        return self._windows(lambda segment: segment.missing)

    def _windows(self, pick: Callable[[Segment], tuple[Duty, ...]]) -> list[ShiftWindow]:
        done: list[ShiftWindow] = []
        running: dict[Duty, datetime] = {}
        for segment in self.segments:
            duties = pick(segment)
            for duty in [d for d in running if d not in duties]:
                done.append(self._window(duty, running.pop(duty), segment.starts_at))
            for duty in duties:
                running.setdefault(duty, segment.starts_at)
        if self.segments:
            end = self.segments[-1].ends_at
            done.extend(self._window(duty, since, end) for duty, since in running.items())
        return sorted(done, key=lambda w: (w.starts_at, w.layer, w.volunteer_id))

    def _window(self, duty: Duty, starts_at: datetime, ends_at: datetime) -> ShiftWindow:
        return ShiftWindow(
            duty.volunteer_id,
            self.names.get(duty.volunteer_id, ""),
            duty.layer,
            starts_at,
            ends_at,
            duty.rotation_id,
            duty.override_id,
        )


def merge_runs(windows: Iterable[ShiftWindow]) -> list[ShiftWindow]:
    """Join back-to-back windows of a volunteer on a layer (a turn continued by an override)."""
    runs: list[ShiftWindow] = []
    open_runs: dict[tuple[int, int], int] = {}
    for window in sorted(windows, key=lambda w: (w.starts_at, w.layer, w.volunteer_id)):
        key = (window.volunteer_id, window.layer)
        index = open_runs.get(key)
        if index is not None and runs[index].ends_at == window.starts_at:
            runs[index] = replace(runs[index], ends_at=window.ends_at)
        else:
            open_runs[key] = len(runs)
            runs.append(window)
    return runs


def layer_label(layer: int) -> str:
    """How volunteers name a layer: 主班 (primary), 备班 (backup), 第2备班..."""
    if layer == 1:
        return "主班"
    return "备班" if layer == 2 else f"第{layer - 1}备班"


def sweep(
    items: Sequence[tuple[datetime, datetime, T]], start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime, list[T]]]:
    """Cut [start, end) at every item boundary; yield each piece with the items covering it."""
    points = {start, end}
    for begin, finish, _ in items:
        points.update(p for p in (begin, finish) if start < p < end)
    ordered = sorted(items, key=lambda item: item[0])
    active: list[tuple[datetime, datetime, T]] = []
    index = 0
    for lo, hi in pairwise(sorted(points)):
        while index < len(ordered) and ordered[index][0] <= lo:
            active.append(ordered[index])
            index += 1
        active = [item for item in active if item[1] > lo]
        yield lo, hi, [item[2] for item in active]


def schedule(session: Session, start: datetime, end: datetime) -> Schedule:
    """The rota over [start, end): what on_duty would answer at every instant, in segments."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    rotations = (
        session.execute(
            select(Rotation).where(
                Rotation.active.is_(True),
                Rotation.starts_at < end,
                or_(Rotation.ends_at.is_(None), Rotation.ends_at > start),
            )
        )
        .scalars()
        .all()
    )
    members: dict[int, list[int]] = {}
    if rotations:
        for rotation_id, volunteer_id in session.execute(
            select(RotationMember.rotation_id, RotationMember.volunteer_id)
            .where(RotationMember.rotation_id.in_([r.id for r in rotations]))
            .order_by(RotationMember.rotation_id, RotationMember.position)
        ):
            members.setdefault(rotation_id, []).append(volunteer_id)

    # Items: rotation turns and overrides (Duty), and leave (the volunteer's id).
    items: list[tuple[datetime, datetime, Duty | int]] = []
    for rotation in rotations:
        order = members.get(rotation.id, [])
        if order:
            items.extend(
                (lo, hi, Duty(rotation.layer, order[turn % len(order)], rotation_id=rotation.id))
                for turn, lo, hi in cadence(rotation).turns_between(start, end)
            )
    for override_id, layer, volunteer_id, lo, hi in session.execute(
        select(
            Override.id, Override.layer, Override.volunteer_id, Override.starts_at, Override.ends_at
        ).where(Override.cancelled_at.is_(None), Override.starts_at < end, Override.ends_at > start)
    ):
        items.append((lo, hi, Duty(layer, volunteer_id, override_id=override_id)))
    for volunteer_id, lo, hi in session.execute(
        select(Leave.volunteer_id, Leave.starts_at, Leave.ends_at).where(
            Leave.starts_at < end, Leave.ends_at > start
        )
    ):
        items.append((lo, hi, volunteer_id))

    ids = {item[2].volunteer_id for item in items if isinstance(item[2], Duty)}
    names: dict[int, str] = {}
    inactive: set[int] = set()
    if ids:
        for volunteer_id, name, active in session.execute(
            select(Volunteer.id, Volunteer.name, Volunteer.active).where(Volunteer.id.in_(ids))
        ):
            names[volunteer_id] = name
            if not active:
                inactive.add(volunteer_id)

    segments: list[Segment] = []
    for lo, hi, covering in sweep(items, start, end):
        turns = [d for d in covering if isinstance(d, Duty) and d.override_id is None]
        overrides = [d for d in covering if isinstance(d, Duty) and d.override_id is not None]
        unavailable = inactive | {v for v in covering if isinstance(v, int)}
        chain = tuple(resolve(turns, overrides, unavailable))
        missing = tuple(d for d in resolve(turns, overrides, ()) if d.volunteer_id in unavailable)
        last = segments[-1] if segments else None
        if last is not None and last.chain == chain and last.missing == missing:
            segments[-1] = Segment(last.starts_at, hi, chain, missing)
        else:
            segments.append(Segment(lo, hi, chain, missing))
    return Schedule(segments, names, frozenset(inactive))


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
        raise RotaError("the end must come after the start")


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
        raise RotaError("a rotation needs a name")
    if layer < 1:
        raise RotaError("layers are numbered from 1 (primary)")
    if shift_hours < 1:
        raise RotaError("a shift lasts at least one hour")
    if weekdays is not None and not 1 <= weekdays <= 127:
        raise RotaError("pick at least one weekday")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise RotaError(f"unknown time zone {timezone!r}") from None
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
        raise RotaError(f"no rotation {rotation_id}")
    if at <= rotation.starts_at:
        rotation.active = False
    elif rotation.ends_at is None or at < rotation.ends_at:
        rotation.ends_at = at
    session.flush()
    return rotation


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
        raise RotaError("layers are numbered from 1 (primary)")
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None or not volunteer.active:
        raise RotaError("that volunteer is not active")
    if on_leave(session, volunteer_id, starts_at, ends_at):
        raise RotaError(f"{volunteer.name} is on leave during that window")
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
        raise RotaError(f"no override {override_id}")
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


def seed_demo_rota(session: Session, volunteers: list[Volunteer], now: datetime) -> None:
    """A primary rotation (12-hour turns) and a backup one (daily), someone on both layers now."""
    if not volunteers:
        return
    tz = ZoneInfo("Asia/Shanghai")
    # Both start at this morning's 08:00 handoff (yesterday's when it is earlier than 08:00).
    morning = datetime.combine(wall(now, tz).date(), time(8, 0), tz)
    if morning > now:
        morning -= timedelta(days=1)
    half = max(1, len(volunteers) // 2)
    ids = [v.id for v in volunteers]
    create_rotation(
        session, name="主班 Primary", member_ids=ids[:half], starts_at=morning, shift_hours=12
    )
    if ids[half:]:
        create_rotation(
            session, name="备班 Backup", member_ids=ids[half:], starts_at=morning, layer=2
        )
