"""Who answers the line at a given instant, in escalation order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Shift, Volunteer


@dataclass(frozen=True)
class OnDuty:
    """One link of the on-duty chain: who to ring and on which layer (1 = primary)."""

    volunteer_id: int | None
    name: str
    number: str
    layer: int


def on_duty(session: Session, at: datetime) -> list[OnDuty]:
    """The ordered chain of active volunteers on duty at `at`, each volunteer once."""
    rows = session.execute(
        select(Shift.layer, Volunteer)
        .join(Volunteer, Shift.volunteer_id == Volunteer.id)
        .where(Shift.starts_at <= at, Shift.ends_at > at, Volunteer.active.is_(True))
        .order_by(Shift.layer, Shift.id)
    ).all()
    chain: list[OnDuty] = []
    seen: set[int] = set()
    for layer, volunteer in rows:
        if volunteer.id not in seen:
            seen.add(volunteer.id)
            chain.append(OnDuty(volunteer.id, volunteer.name, volunteer.mobile, layer))
    return chain
