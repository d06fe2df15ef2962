"""People by name or number: the pickers' search, and what a typed name resolves to.

A picker fills a field with a person's label: "王芳 #12" for a volunteer, "李师傅 #t3" for a
technician; the trailing `#id` is what makes the choice unambiguous. A person may also type a
name or a mobile by hand; `resolve_volunteers` and `resolve_assignee` turn each text into one
person, or refuse with the candidates (team and masked number).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, Select, case, or_, select
from sqlalchemy.orm import Session, joinedload

from hotline.models import Technician, Volunteer
from hotline.phone import mask_number, normalize_number
from hotline.rota.errors import N_, RotaError

# How many people a search answers at most (and by default); requests are clamped to it.
MAX_FOUND = 20
FOUND = 8
# Digits typed before a search looks at numbers: fewer would match almost everyone.
MIN_DIGITS = 3
# A picked person: "name #id" or "name #tid" (the name is for people, the id for the server).
PICKED = re.compile(r"#(t?)(\d{1,10})\s*$")
TECHNICIAN = "t"

Someone: TypeAlias = Volunteer | Technician


@dataclass(frozen=True)
class Person:
    """Someone as a picker shows them: name, team (volunteers) and masked number, whether they
    are a technician, and the text to fill in."""

    id: int
    name: str
    team: str | None
    masked: str
    technician: bool
    label: str


def label_of(someone: Someone) -> str:
    """The text a picker fills in: the name and, for the server, the id (technicians' "t")."""
    prefix = TECHNICIAN if isinstance(someone, Technician) else ""
    return f"{someone.name} #{prefix}{someone.id}"


def _person(someone: Someone) -> Person:
    team = someone.team.name if isinstance(someone, Volunteer) and someone.team else None
    technician = isinstance(someone, Technician)
    return Person(
        someone.id, someone.name, team, mask_number(someone.mobile), technician, label_of(someone)
    )


def _query(model: type[Someone]) -> Select[Any]:
    """Active people of `model`, volunteers with their team."""
    query = select(model).where(model.active)
    return query.options(joinedload(Volunteer.team)) if model is Volunteer else query


def _found(session: Session, model: type[Someone], text: str, limit: int) -> list[Someone]:
    """Active people whose name contains `text` or whose mobile contains its digits: exact
    names, then names starting with it, then the rest by name."""
    digits = re.sub(r"\D", "", text)
    condition: ColumnElement[bool] = model.name.contains(text, autoescape=True)
    if len(digits) >= MIN_DIGITS and not re.search(r"[^\d\s+()\-]", text):
        condition = or_(condition, model.mobile.contains(digits, autoescape=True))
    rank = case((model.name == text, 0), (model.name.startswith(text, autoescape=True), 1), else_=2)
    query = _query(model).where(condition).order_by(rank, model.name, model.id).limit(limit)
    return list(session.scalars(query))


def search_people(
    session: Session, text: str, limit: int = FOUND, *, technicians: bool = False
) -> list[Person]:
    """Active volunteers (and technicians first, if asked) by a name's part or a number's
    digits, best first; at most `limit` (clamped to 1..MAX_FOUND)."""
    text = PICKED.sub("", text).strip()
    if not text:
        return []
    limit = min(max(limit, 1), MAX_FOUND)
    models: list[type[Someone]] = [Technician, Volunteer] if technicians else [Volunteer]
    found = [p for model in models for p in _found(session, model, text, limit)]
    return [_person(someone) for someone in found[:limit]]


def search_volunteers(session: Session, text: str, limit: int = FOUND) -> list[Person]:
    """Active volunteers by a name's part or a number's digits, best first (see search_people)."""
    return search_people(session, text, limit)


def _candidates(people: Sequence[Someone]) -> str:
    return ", ".join(
        f"{p.name} ({_person(p).team or '—'}, {mask_number(p.mobile)})" for p in people
    )


def _named(session: Session, models: Sequence[type[Someone]], text: str) -> Someone | None:
    """The one active person called `text` (else the one whose name contains it); None if
    nobody; RotaError listing the candidates when several fit."""
    for exact in (True, False):
        named: list[Someone] = [
            someone
            for model in models
            for someone in session.scalars(
                _query(model)
                .where(model.name == text if exact else model.name.contains(text, autoescape=True))
                .order_by(model.name, model.id)
                .limit(MAX_FOUND)
            )
        ]
        if len(named) == 1:
            return named[0]
        if named:
            raise RotaError(
                N_("several people are called %(name)s: %(candidates)s; pick one"),
                name=text,
                candidates=_candidates(named),
            )
    return None


def _one(session: Session, text: str, models: Sequence[type[Someone]]) -> Someone | None:
    """The person `text` names among `models`: a pick, a mobile, or a unique active name."""
    picked = PICKED.search(text)
    mobile = normalize_number(text)
    if picked is not None:
        kind = Technician if picked[1] == TECHNICIAN else Volunteer
        lookups = [(kind, kind.id == int(picked[2]))] if kind in models else []
    elif mobile is not None:
        lookups = [(model, model.mobile == mobile) for model in models]
    else:
        return _named(session, models, text)
    for model, condition in lookups:
        someone = session.scalar(select(model).where(condition))
        if isinstance(someone, Volunteer | Technician):
            return someone
    return None


def resolve_volunteers(session: Session, texts: Sequence[str]) -> list[int]:
    """Volunteer ids, in order, for picks, mobiles written any usual way or names; RotaError
    names the texts that fit nobody, or lists the candidates of an ambiguous name."""
    wanted = [text.strip() for text in texts]
    found = [_one(session, text, [Volunteer]) if text else None for text in wanted]
    unknown = [text for text, someone in zip(wanted, found, strict=True) if someone is None]
    if unknown:
        raise RotaError(
            N_("no volunteer is called or has the number %(names)s"), names=", ".join(unknown)
        )
    return [someone.id for someone in found if someone is not None]


def resolve_assignee(session: Session, text: str) -> tuple[int | None, int | None]:
    """(technician id, volunteer id) for a pick, a mobile or a name of either; RotaError when
    nobody or several fit."""
    someone = _one(session, text.strip(), [Technician, Volunteer])
    if someone is None:
        raise RotaError(N_("nobody is called or has the number %(names)s"), names=text.strip())
    if isinstance(someone, Technician):
        return someone.id, None
    return None, someone.id
