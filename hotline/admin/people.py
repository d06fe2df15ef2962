"""Volunteers, teams and communities, administered one at a time (the rota's CSV import,
hotline.rota.csv_import, stays for bulk work). Every change is audited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, joinedload

from hotline.admin.changes import AdminError, Editor, changes, record
from hotline.audit import Action
from hotline.csv_rows import ImportReport
from hotline.models import Community, Resident, Team, Ticket, Volunteer
from hotline.models.dispatch import technician_community
from hotline.phone import normalize_number
from hotline.refusal import N_
from hotline.review.scope import Page, count_rows, page_of
from hotline.rota.csv_import import import_volunteers as rota_import
from hotline.rota.csv_import import language_tags

NAME_CHARS = 100
CODE_CHARS = 32
LANGUAGES_CHARS = 64
PER_PAGE = 50


@dataclass(frozen=True)
class VolunteerData:
    """What the volunteer form says; the mobile as typed, languages as "zh, en"."""

    name: str
    mobile: str
    team_id: int | None = None
    community_id: int | None = None
    languages: str = "zh"
    party_member: bool = True
    active: bool = True


def _name(text: str, limit: int = NAME_CHARS) -> str:
    name = " ".join(text.split())
    if not name:
        raise AdminError(N_("a name is needed"))
    if len(name) > limit:
        raise AdminError(N_("the name is longer than %(n)s characters"), n=limit)
    return name


def _code(text: str) -> str:
    code = text.strip()
    if not code or len(code) > CODE_CHARS or any(ch.isspace() for ch in code):
        raise AdminError(N_("a code is 1 to %(n)s characters without spaces"), n=CODE_CHARS)
    return code


def volunteers(session: Session, text: str = "", page: int = 1) -> Page[Volunteer]:
    """A page of volunteers whose name contains `text` (or whose mobile contains it), active
    first, then by name."""
    stmt = select(Volunteer).options(joinedload(Volunteer.team), joinedload(Volunteer.community))
    words = " ".join(text.split())
    if words:
        stmt = stmt.where(
            or_(
                Volunteer.name.contains(words, autoescape=True),
                Volunteer.mobile.contains(words.replace(" ", ""), autoescape=True),
            )
        )
    total = count_rows(session, stmt)
    ordered = stmt.order_by(Volunteer.active.desc(), Volunteer.name, Volunteer.id)
    return Page(list(session.scalars(page_of(ordered, page, PER_PAGE))), page, PER_PAGE, total)


def get_volunteer(session: Session, volunteer_id: int) -> Volunteer:
    """The volunteer with this id; AdminError if there is none."""
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise AdminError(N_("no such volunteer"))
    return volunteer


def _volunteer_values(volunteer: Volunteer) -> dict[str, object]:
    return {
        "name": volunteer.name,
        "mobile": volunteer.mobile,
        "team": volunteer.team.name if volunteer.team else None,
        "community": volunteer.community.name if volunteer.community else None,
        "languages": volunteer.languages,
        "party_member": volunteer.party_member,
        "active": volunteer.active,
    }


def save_volunteer(
    session: Session, editor: Editor, data: VolunteerData, volunteer_id: int | None = None
) -> Volunteer:
    """Create a volunteer (volunteer_id None) or change one. A mobile is one volunteer's:
    another's is refused, naming them. A team's volunteer lives in its community unless
    another is chosen (as in the CSV import)."""
    name = _name(data.name)
    mobile = normalize_number(data.mobile)
    if mobile is None:
        raise AdminError(N_("not a mobile number: %(number)s"), number=data.mobile[:40])
    tags, bad = language_tags(data.languages)
    if bad:
        raise AdminError(N_("not language tags: %(tags)s"), tags=", ".join(bad)[:60])
    languages = ",".join(tags) or "zh"
    if len(languages) > LANGUAGES_CHARS:
        raise AdminError(N_("too many languages"))
    volunteer = None if volunteer_id is None else get_volunteer(session, volunteer_id)
    taken = session.scalar(select(Volunteer).where(Volunteer.mobile == mobile))
    if taken is not None and taken is not volunteer:
        raise AdminError(
            N_("the mobile number %(number)s is already %(name)s's"),
            number=mobile,
            name=taken.name,
        )
    team = None if data.team_id is None else session.get(Team, data.team_id)
    community = None if data.community_id is None else session.get(Community, data.community_id)
    if (data.team_id is not None and team is None) or (
        data.community_id is not None and community is None
    ):
        raise AdminError(N_("a chosen team or community no longer exists"))
    before = {} if volunteer is None else _volunteer_values(volunteer)
    if volunteer is None:
        volunteer = Volunteer(mobile=mobile)
        session.add(volunteer)
    volunteer.name = name
    volunteer.mobile = mobile
    volunteer.team = team
    volunteer.community = community or (
        session.get(Community, team.community_id)
        if team is not None and team.community_id is not None
        else None
    )
    volunteer.languages = languages
    volunteer.party_member = data.party_member
    volunteer.active = data.active
    session.flush()
    detail = changes(before, _volunteer_values(volunteer))
    action = Action.VOLUNTEER_CREATE if not before else Action.VOLUNTEER_EDIT
    if detail:
        record(session, editor, action, f"volunteer:{volunteer.id}", detail)
    return volunteer


def set_volunteer_active(
    session: Session, editor: Editor, volunteer_id: int, active: bool
) -> Volunteer:
    """Deactivate a volunteer (kept on old calls and rotations, offered nowhere new) or bring
    them back."""
    volunteer = get_volunteer(session, volunteer_id)
    if volunteer.active != active:
        before = _volunteer_values(volunteer)
        volunteer.active = active
        session.flush()
        record(
            session,
            editor,
            Action.VOLUNTEER_EDIT,
            f"volunteer:{volunteer.id}",
            changes(before, _volunteer_values(volunteer)),
        )
    return volunteer


def import_volunteers(session: Session, editor: Editor, lines: Iterable[str]) -> ImportReport:
    """The rota's CSV import (all rows or none, see hotline.rota.csv_import), audited when it
    saved anything."""
    report = rota_import(session, lines)
    if report.ok:
        detail = f"created: {report.created}; updated: {report.updated}"
        record(session, editor, Action.VOLUNTEER_IMPORT, "volunteer:", detail)
    return report


# --- teams and communities ----------------------------------------------------------------------


def teams(session: Session) -> list[tuple[Team, Community | None, int]]:
    """Every team with its community and its number of volunteers, by name."""
    members = (
        select(func.count())
        .select_from(Volunteer)
        .where(Volunteer.team_id == Team.id)
        .correlate(Team)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Team, Community, members)
        .outerjoin(Community, Team.community_id == Community.id)
        .order_by(Team.name)
    ).all()
    return [(team, community, n) for team, community, n in rows]


def communities(session: Session) -> list[tuple[Community, int]]:
    """Every community with its number of volunteers, by code."""
    members = (
        select(func.count())
        .select_from(Volunteer)
        .where(Volunteer.community_id == Community.id)
        .correlate(Community)
        .scalar_subquery()
    )
    return [
        (community, n)
        for community, n in session.execute(
            select(Community, members).order_by(Community.code)
        ).all()
    ]


M = TypeVar("M", Team, Community)


def _get(session: Session, model: type[M], row_id: int) -> M:
    row = session.get(model, row_id)
    if row is None:
        raise AdminError(N_("no such team or community"))
    return row


def save_team(
    session: Session,
    editor: Editor,
    name: str,
    community_id: int | None,
    team_id: int | None = None,
) -> Team:
    """Create a team (team_id None) or rename it or move it to another community; team names
    are unique."""
    name = _name(name)
    team = None if team_id is None else _get(session, Team, team_id)
    taken = session.scalar(select(Team).where(Team.name == name))
    if taken is not None and taken is not team:
        raise AdminError(N_("there is already a team called %(name)s"), name=name)
    community = None if community_id is None else session.get(Community, community_id)
    if community_id is not None and community is None:
        raise AdminError(N_("a chosen team or community no longer exists"))
    before = {} if team is None else _team_values(session, team)
    if team is None:
        team = Team(name=name)
        session.add(team)
    team.name = name
    team.community_id = community_id
    session.flush()
    detail = changes(before, _team_values(session, team))
    if detail:
        action = Action.TEAM_EDIT if before else Action.TEAM_CREATE
        record(session, editor, action, f"team:{team.id}", detail)
    return team


def _team_values(session: Session, team: Team) -> dict[str, object]:
    community = None if team.community_id is None else session.get(Community, team.community_id)
    return {"name": team.name, "community": community.name if community else None}


def delete_team(session: Session, editor: Editor, team_id: int) -> str:
    """Delete a team nobody belongs to (its name, for the page); refused while volunteers
    are in it."""
    team = _get(session, Team, team_id)
    if session.scalar(select(exists().where(Volunteer.team_id == team.id))):
        raise AdminError(N_("%(name)s still has volunteers: move them first"), name=team.name)
    name = team.name
    record(session, editor, Action.TEAM_DELETE, f"team:{team.id}", f"name: {name}")
    session.delete(team)
    session.flush()
    return name


def save_community(
    session: Session, editor: Editor, code: str, name: str, community_id: int | None = None
) -> Community:
    """Create a community (community_id None) or change its code or name; codes are unique."""
    code = _code(code)
    name = _name(name)
    community = None if community_id is None else _get(session, Community, community_id)
    taken = session.scalar(select(Community).where(Community.code == code))
    if taken is not None and taken is not community:
        raise AdminError(N_("the code %(code)s is already %(name)s's"), code=code, name=taken.name)
    before = {} if community is None else {"code": community.code, "name": community.name}
    if community is None:
        community = Community(code=code, name=name)
        session.add(community)
    community.code = code
    community.name = name
    session.flush()
    detail = changes(before, {"code": community.code, "name": community.name})
    if detail:
        action = Action.COMMUNITY_EDIT if before else Action.COMMUNITY_CREATE
        record(session, editor, action, f"community:{community.id}", detail)
    return community


def delete_community(session: Session, editor: Editor, community_id: int) -> str:
    """Delete a community nothing refers to (its name, for the page); one with volunteers,
    teams, tickets, residents or technicians stays."""
    community = _get(session, Community, community_id)
    uses = (
        exists().where(Volunteer.community_id == community.id),
        exists().where(Team.community_id == community.id),
        exists().where(Ticket.community_id == community.id),
        exists().where(Resident.community_id == community.id),
        exists().where(technician_community.c.community_id == community.id),
    )
    if any(session.scalar(select(use)) for use in uses):
        raise AdminError(
            N_("%(name)s is in use (volunteers, teams, tickets, residents or technicians)"),
            name=community.name,
        )
    name = community.name
    record(
        session,
        editor,
        Action.COMMUNITY_DELETE,
        f"community:{community.id}",
        f"code: {community.code}; name: {name}",
    )
    session.delete(community)
    session.flush()
    return name
