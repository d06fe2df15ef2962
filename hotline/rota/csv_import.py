"""Import volunteers from CSV: every row checked first, then all of them saved or none.

Columns (English or Chinese headers): name/姓名 and mobile/手机 are required; party_member/党员,
team/服务队, community/社区, languages/语言 and active/在岗 are optional. A volunteer whose
mobile already exists is updated, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.csv_rows import ImportReport, RowError, flag, read_rows
from hotline.models import Community, Team, Volunteer
from hotline.phone import normalize_number

__all__ = ["HEADERS", "ImportReport", "RowError", "import_volunteers", "language_tags"]

HEADERS = {
    "name": ("name", "姓名"),
    "mobile": ("mobile", "手机", "手机号"),
    "party_member": ("party_member", "党员"),
    "team": ("team", "服务队", "团队"),
    "community": ("community", "社区"),
    "languages": ("languages", "语言"),
    "active": ("active", "在岗"),
}
REQUIRED = ("name", "mobile")
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


@dataclass
class _Row:
    line: int
    name: str
    mobile: str
    party_member: bool
    languages: str
    active: bool
    team: str
    community: str


def import_volunteers(
    session: Session, lines: Iterable[str], *, create_missing: bool = False
) -> ImportReport:
    """Check every row of a volunteers CSV, then save all of them, or none if any is wrong.

    Unknown teams and communities are errors unless `create_missing` (a county's first import).
    """
    report = ImportReport()
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for line, values in read_rows(lines, HEADERS, REQUIRED, report):
        row = _check(line, values, report)
        if row.mobile in seen:
            report.errors.append(
                RowError(line, "mobile", f"same mobile as line {seen[row.mobile]}")
            )
        elif row.mobile:
            seen[row.mobile] = line
        # Rows with errors go on to the team and community checks, so all errors are listed.
        rows.append(row)
    places = _places(session, rows, create_missing, report)
    if report.errors:
        report.errors.sort(key=lambda e: e.line)
        return report

    existing = {
        v.mobile: v
        for v in session.scalars(select(Volunteer).where(Volunteer.mobile.in_(list(seen))))
    }
    with session.begin_nested():
        places.save_new(session)
        for row in rows:
            team = places.teams.get(row.team)
            community = places.communities.get(row.community)
            volunteer = existing.get(row.mobile)
            if volunteer is None:
                volunteer = Volunteer(mobile=row.mobile)
                session.add(volunteer)
                report.created += 1
            else:
                report.updated += 1
            volunteer.name = row.name
            volunteer.party_member = row.party_member
            volunteer.languages = row.languages
            volunteer.active = row.active
            volunteer.team_id = team.id if team else None
            # A team's volunteers live in its community unless the row says otherwise.
            volunteer.community_id = (
                community.id if community else (team.community_id if team else None)
            )
        session.flush()
    return report


def language_tags(text: str) -> tuple[list[str], list[str]]:
    """The BCP 47 tags in `text` (separated by commas, semicolons or 、), and those that are
    not tags."""
    tags = [t.strip() for t in re.split(r"[,;，、]", text) if t.strip()]
    return tags, [t for t in tags if not LANGUAGE.fullmatch(t)]


def _check(line: int, cells: dict[str, str], report: ImportReport) -> _Row:
    """The row's values; its errors go to the report (the row is then only used for checks)."""
    errors = report.errors
    name = cells.get("name", "")
    if not name:
        errors.append(RowError(line, "name", "missing"))
    elif len(name) > 100:
        errors.append(RowError(line, "name", "longer than 100 characters"))
    mobile = normalize_number(cells.get("mobile", ""))
    if mobile is None:
        errors.append(RowError(line, "mobile", f"not a mobile number: {cells.get('mobile', '')!r}"))
    flags: dict[str, bool] = {}
    for column in ("party_member", "active"):
        value = flag(cells.get(column, ""), default=True)
        if value is None:
            errors.append(
                RowError(line, column, f"expected 是/否 or yes/no, got {cells[column]!r}")
            )
        flags[column] = value is not False
    tags, bad = language_tags(cells.get("languages", ""))
    if bad:
        errors.append(RowError(line, "languages", f"not language tags: {', '.join(bad)}"))
    elif len(",".join(tags)) > 64:
        errors.append(RowError(line, "languages", "too many languages"))
    return _Row(
        line,
        name,
        mobile or "",
        flags["party_member"],
        ",".join(tags) or "zh",
        flags["active"],
        cells.get("team", ""),
        cells.get("community", ""),
    )


@dataclass
class _Places:
    """Teams by name and communities by code and by name; new ones are built, not yet added."""

    teams: dict[str, Team] = field(default_factory=dict)
    communities: dict[str, Community] = field(default_factory=dict)
    new_teams: dict[str, str] = field(default_factory=dict)  # team name -> community key

    def save_new(self, session: Session) -> None:
        """Add the new communities, then the new teams in them."""
        session.add_all({c for c in self.communities.values() if c.id is None})
        session.flush()
        for name, community in self.new_teams.items():
            self.teams[name] = Team(name=name, community_id=self.communities[community].id)
            session.add(self.teams[name])
        session.flush()


def _places(
    session: Session, rows: list[_Row], create_missing: bool, report: ImportReport
) -> _Places:
    """Look up every team and community the rows name; unknown ones are errors or new."""
    places = _Places()
    named = {r.community for r in rows if r.community}
    if named:
        for found in session.scalars(
            select(Community).where(or_(Community.code.in_(named), Community.name.in_(named)))
        ):
            places.communities[found.code] = places.communities[found.name] = found
    teams = {r.team for r in rows if r.team}
    if teams:
        places.teams = {
            t.name: t for t in session.scalars(select(Team).where(Team.name.in_(teams)))
        }

    def error(row: _Row, column: str, message: str) -> None:
        report.errors.append(RowError(row.line, column, message))

    for row in rows:
        community = places.communities.get(row.community)
        if row.community and community is None:
            if not create_missing:
                error(row, "community", f"unknown community {row.community!r}")
            elif len(row.community) > 32:
                error(row, "community", "a new community's name must fit in 32 characters")
            else:
                community = Community(code=row.community, name=row.community)
                places.communities[row.community] = community
        if not row.team:
            continue
        if row.team in places.new_teams:
            first = places.communities[places.new_teams[row.team]]
            if community is not None and community is not first:
                error(row, "team", f"{row.team} is in another community on an earlier line")
            continue
        team = places.teams.get(row.team)
        if team is None and not create_missing:
            error(row, "team", f"unknown team {row.team!r}")
        elif team is None and community is None:
            error(row, "team", "a new team needs its community")
        elif team is None:
            places.new_teams[row.team] = row.community
        elif community is not None and team.community_id != community.id:
            error(row, "team", f"{row.team} belongs to another community")
    return places
