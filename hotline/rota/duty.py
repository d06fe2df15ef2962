"""Who answers the line: the on-duty chain at an instant, and the shifts over a window.

The chain rules (overrides win, leave removes without refilling, each volunteer once on their
lowest layer) are in hotline.rota.chain. The supervisors' fallback number is not part of
the chain; the call path appends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, exists, func, or_, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from hotline.db import UTCDateTime
from hotline.models import Leave, Override, Rotation, RotationMember, Volunteer
from hotline.rota.chain import Duty, ShiftWindow, cadence_of, merge_runs, plan_between, resolve


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
        turn = cadence_of(row).turn_at(at) if row.size else None
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
    windows = plan_between(session, start, end).windows()
    if volunteer_id is None:
        return windows
    return [w for w in windows if w.volunteer_id == volunteer_id]


# How far past now and the horizon upcoming_shifts looks for the real ends of the shifts it
# lists: a week's turn shows its handovers; a longer stretch is cut this far out.
SHIFT_REACH = timedelta(days=7)


def upcoming_shifts(
    session: Session, volunteer_id: int, now: datetime, days: int = 30
) -> list[ShiftWindow]:
    """A volunteer's shifts (back-to-back windows joined) running now or starting in the next
    `days`, each from its real start to its real end (within SHIFT_REACH), not cut at now or
    at the horizon."""
    horizon = now + timedelta(days=days)
    windows = shifts_between(
        session, now - SHIFT_REACH, horizon + SHIFT_REACH, volunteer_id=volunteer_id
    )
    return [w for w in merge_runs(windows) if w.ends_at > now and w.starts_at < horizon]
