"""The talent pool: technicians (skills are categories, and the communities they serve), their
open load, and whom to suggest for a ticket."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import ColumnElement, case, exists, false, func, select
from sqlalchemy.orm import Session, selectinload

from hotline.models import Category, Community, Technician, Ticket
from hotline.models.dispatch import technician_community, technician_skill
from hotline.phone import normalize_number
from hotline.refusal import N_, Refused
from hotline.tickets.lifecycle import OPEN_STATUSES

NAME_CHARS = 100


class DispatchError(Refused):
    """A change to the talent pool or a dispatch that the rules refuse."""


@dataclass(frozen=True)
class TechnicianData:
    """What the form (or a CSV row) says about a technician; the mobile as typed."""

    name: str
    mobile: str
    skill_ids: Sequence[int] = ()
    community_ids: Sequence[int] = ()
    active: bool = True


@dataclass(frozen=True)
class Loaded:
    """A technician with the number of their tickets still being worked."""

    technician: Technician
    load: int


@dataclass(frozen=True)
class Suggestion:
    """A technician suggested for a ticket, with why: skill, community, open load."""

    technician: Technician
    skilled: bool
    serves: bool
    load: int


def _open_load() -> ColumnElement[int]:
    """Correlated count of the technician's tickets in open statuses (count(*): answered
    from ix_ticket_technician_status alone on PostgreSQL)."""
    return (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.technician_id == Technician.id, Ticket.status.in_(OPEN_STATUSES))
        .correlate(Technician)
        .scalar_subquery()
    )


def roster(
    session: Session, *, include_inactive: bool = True, with_skills: bool = True
) -> list[Loaded]:
    """Every technician with their open load, active first, then by name. `with_skills`:
    their skills and communities loaded too (the talent pool's page shows them; the ticket
    page's assign panel does not)."""
    load = _open_load().label("load")
    stmt = select(Technician, load).order_by(
        Technician.active.desc(), Technician.name, Technician.id
    )
    if with_skills:
        stmt = stmt.options(selectinload(Technician.skills), selectinload(Technician.communities))
    if not include_inactive:
        stmt = stmt.where(Technician.active.is_(True))
    return [Loaded(t, n) for t, n in session.execute(stmt).all()]


def open_load(session: Session, technician_id: int) -> int:
    """How many tickets assigned to the technician are still open, assigned or in progress."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.technician_id == technician_id, Ticket.status.in_(OPEN_STATUSES))
        )
        or 0
    )


def suggest(session: Session, ticket: Ticket, limit: int = 5) -> list[Suggestion]:
    """Active technicians for `ticket`: those with its category as a skill first, then those
    serving its community, then the lowest open load, then by name."""
    if ticket.category_id is None:
        skilled: ColumnElement[bool] = false()
    else:
        skilled = exists().where(
            technician_skill.c.technician_id == Technician.id,
            technician_skill.c.category_id == ticket.category_id,
        )
    if ticket.community_id is None:
        serves: ColumnElement[bool] = false()
    else:
        serves = exists().where(
            technician_community.c.technician_id == Technician.id,
            technician_community.c.community_id == ticket.community_id,
        )
    skill_rank = case((skilled, 1), else_=0).label("skilled")
    community_rank = case((serves, 1), else_=0).label("serves")
    load = _open_load().label("load")
    rows = session.execute(
        select(Technician, skill_rank, community_rank, load)
        .where(Technician.active.is_(True))
        .order_by(skill_rank.desc(), community_rank.desc(), load, Technician.name, Technician.id)
        .limit(max(1, min(limit, 50)))
    ).all()
    return [Suggestion(t, bool(s), bool(c), n) for t, s, c, n in rows]


def save_technician(
    session: Session, data: TechnicianData, technician_id: int | None = None
) -> Technician:
    """Create a technician (technician_id None) or change one; DispatchError if refused."""
    name = " ".join(data.name.split())
    if not name:
        raise DispatchError(N_("a name is needed"))
    if len(name) > NAME_CHARS:
        raise DispatchError(N_("the name is longer than %(n)s characters"), n=NAME_CHARS)
    mobile = normalize_number(data.mobile)
    if mobile is None:
        raise DispatchError(N_("not a mobile number: %(number)s"), number=data.mobile[:40])
    technician = None if technician_id is None else session.get(Technician, technician_id)
    if technician_id is not None and technician is None:
        raise DispatchError(N_("no such technician"))
    taken = session.scalar(select(Technician).where(Technician.mobile == mobile))
    if taken is not None and taken is not technician:
        raise DispatchError(N_("%(name)s already has this mobile number"), name=taken.name)
    if technician is None:
        technician = Technician(mobile=mobile)
        session.add(technician)
    technician.name = name
    technician.mobile = mobile
    technician.active = data.active
    technician.skills = _rows(session, Category, data.skill_ids)
    technician.communities = _rows(session, Community, data.community_ids)
    session.flush()
    return technician


M = TypeVar("M", Category, Community)


def _rows(session: Session, model: type[M], ids: Sequence[int]) -> list[M]:
    wanted = set(ids)
    if not wanted:
        return []
    found = list(session.scalars(select(model).where(model.id.in_(wanted))))
    if len(found) != len(wanted):
        raise DispatchError(N_("a chosen skill or community no longer exists"))
    return sorted(found, key=lambda row: row.code)


def set_active(session: Session, technician_id: int, active: bool) -> Technician:
    """Deactivate (or reactivate) a technician; their assigned tickets stay theirs."""
    technician = session.get(Technician, technician_id)
    if technician is None:
        raise DispatchError(N_("no such technician"))
    technician.active = active
    session.flush()
    return technician


def technician_by_mobile(session: Session, number: str) -> Technician | None:
    """The technician whose mobile this is (any way it is written), or None."""
    mobile = normalize_number(number)
    if mobile is None:
        return None
    return session.scalar(select(Technician).where(Technician.mobile == mobile))
