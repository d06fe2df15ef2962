"""The rota as computed: chain rules, and the rota over a window cut into unchanging segments.

The chain at an instant is built layer by layer (1 = primary, then backups):

- A layer's volunteers come from its rotations whose turn is running (ordered by rotation id),
  unless an override covers the layer: then the most recently created override's volunteer
  alone holds it (PagerDuty's rule), so a swap of a swap wins over the first swap.
- A volunteer on leave, or inactive, is dropped, and their layer is not refilled from the
  rotation: like PagerDuty and Grafana OnCall, nobody is put on duty implicitly; the chain
  moves on to the next layer and the coverage report flags the conflict for a supervisor,
  who fixes it with an override.
- Each volunteer appears once, on their lowest layer.

`resolve` applies these rules; hotline.rota.duty.on_duty feeds it one instant, `plan_between`
every stretch of a window, so the calendar, reports and reminders agree with what a call rings.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.messaging.texts import text
from hotline.models import Leave, Override, Rotation, RotationMember, Volunteer
from hotline.rota.cadence import Cadence, Restriction

T = TypeVar("T")


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


def cadence_of(rotation: Any) -> Cadence:
    """The cadence of a Rotation (or of a row with the same fields)."""
    return Cadence.build(
        starts_at=rotation.starts_at,
        ends_at=rotation.ends_at,
        handoff=rotation.handoff_time,
        shift_hours=rotation.shift_hours,
        timezone=rotation.timezone,
        restriction=Restriction(rotation.weekdays, rotation.hours_from, rotation.hours_to),
    )


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
class RotaPlan:
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
    """How volunteers name a layer: 主班 (primary), 备班 (backup), 第2备班... (texts.yaml)."""
    if layer == 1:
        return text("rota.layer.primary")
    return text("rota.layer.backup") if layer == 2 else text("rota.layer.nth_backup", n=layer - 1)


def cut(
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


def plan_between(session: Session, start: datetime, end: datetime) -> RotaPlan:
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
                for turn, lo, hi in cadence_of(rotation).turns_between(start, end)
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
    for lo, hi, covering in cut(items, start, end):
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
    return RotaPlan(segments, names, frozenset(inactive))
