"""Volunteers by name or number: the pickers' search, and what a typed name resolves to.

A picker fills a field with `label_of(volunteer)` ("王芳 #12"): the trailing `#id` is what
makes the choice unambiguous. A person may also type a name or a mobile by hand;
`resolve_volunteers` turns each text into one volunteer, or refuses with the candidates
(team and masked number).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, or_, select
from sqlalchemy.orm import Session, joinedload

from hotline.models import Volunteer
from hotline.phone import mask_number, normalize_number
from hotline.rota.errors import N_, RotaError

# How many people a search answers at most (and by default); requests are clamped to it.
MAX_FOUND = 20
FOUND = 8
# Digits typed before a search looks at numbers: fewer would match almost everyone.
MIN_DIGITS = 3
# A picked person: "name #id" (the name is for people, the id for the server).
PICKED = re.compile(r"#(\d{1,10})\s*$")


@dataclass(frozen=True)
class Person:
    """A volunteer as a picker shows them: name, team and masked number, and the text to fill."""

    id: int
    name: str
    team: str | None
    masked: str
    label: str


def label_of(volunteer: Volunteer) -> str:
    """The text a picker fills in for `volunteer`: their name and, for the server, their id."""
    return f"{volunteer.name} #{volunteer.id}"


def _person(volunteer: Volunteer) -> Person:
    team = volunteer.team.name if volunteer.team else None
    masked = mask_number(volunteer.mobile)
    return Person(volunteer.id, volunteer.name, team, masked, label_of(volunteer))


def _matching(text: str) -> ColumnElement[bool] | None:
    """Active volunteers whose name contains `text` or whose mobile contains its digits."""
    digits = re.sub(r"\D", "", text)
    by_name = Volunteer.name.contains(text, autoescape=True)
    if len(digits) >= MIN_DIGITS and not re.search(r"[^\d\s+()\-]", text):
        return or_(by_name, Volunteer.mobile.contains(digits, autoescape=True))
    return by_name if text else None


def search_volunteers(session: Session, text: str, limit: int = FOUND) -> list[Person]:
    """Active volunteers by name substring or mobile digits: exact names, then names starting
    with the text, then the rest by name; at most `limit` (clamped to 1..MAX_FOUND)."""
    text = PICKED.sub("", text).strip()
    condition = _matching(text)
    if condition is None:
        return []
    rank = case(
        (Volunteer.name == text, 0), (Volunteer.name.startswith(text, autoescape=True), 1), else_=2
    )
    found = session.scalars(
        select(Volunteer)
        .options(joinedload(Volunteer.team))
        .where(Volunteer.active, condition)
        .order_by(rank, Volunteer.name, Volunteer.id)
        .limit(min(max(limit, 1), MAX_FOUND))
    )
    return [_person(v) for v in found]


def _candidates(people: Sequence[Volunteer]) -> str:
    return ", ".join(
        f"{v.name} ({v.team.name if v.team else '—'}, {mask_number(v.mobile)})" for v in people
    )


def _one(session: Session, text: str) -> int | None:
    """The volunteer `text` names (a pick, a mobile, or a unique active name); None if none;
    RotaError listing the candidates when the name fits several."""
    picked = PICKED.search(text)
    if picked:
        return session.scalar(select(Volunteer.id).where(Volunteer.id == int(picked[1])))
    mobile = normalize_number(text)
    if mobile is not None:
        return session.scalar(select(Volunteer.id).where(Volunteer.mobile == mobile))
    base = select(Volunteer).options(joinedload(Volunteer.team)).where(Volunteer.active)
    for condition in (Volunteer.name == text, Volunteer.name.contains(text, autoescape=True)):
        named = list(session.scalars(base.where(condition).order_by(Volunteer.name, Volunteer.id)))
        if len(named) == 1:
            return named[0].id
        if named:
            raise RotaError(
                N_("several volunteers are called %(name)s: %(candidates)s; pick one"),
                name=text,
                candidates=_candidates(named[:MAX_FOUND]),
            )
    return None


def resolve_volunteers(session: Session, texts: Sequence[str]) -> list[int]:
    """Volunteer ids, in order, for picks, mobiles written any usual way or names; RotaError
    names the texts that fit nobody, or lists the candidates of an ambiguous name."""
    wanted = [text.strip() for text in texts]
    found = [_one(session, text) if text else None for text in wanted]
    unknown = [text for text, found_id in zip(wanted, found, strict=True) if found_id is None]
    if unknown:
        raise RotaError(
            N_("no volunteer is called or has the number %(names)s"), names=", ".join(unknown)
        )
    return [volunteer_id for volunteer_id in found if volunteer_id is not None]
