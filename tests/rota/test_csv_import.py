"""CSV import of volunteers: every error reported by line, nothing half-imported."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models import Community, Team, Volunteer
from hotline.rota.csv_import import RowError, import_volunteers
from tests.factories import CommunityFactory
from tests.rota.factories import TeamFactory, VolunteerFactory


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def run(session: Session, text: str, **kw: bool):  # type: ignore[no-untyped-def]
    return import_volunteers(session, text.strip().splitlines(), **kw)


def test_import_creates_volunteers_with_chinese_headers(session: Session) -> None:
    east = CommunityFactory(code="dongcheng", name="东城社区")
    team = TeamFactory(name="东城一队", community_id=east.id)
    report = run(
        session,
        """
姓名,手机,党员,服务队,语言,在岗
张伟,138 0000 0101,是,东城一队,"zh,en",是
王芳,13800000102,否,,,
""",
    )
    assert (report.ok, report.created, report.updated) == (True, 2, 0)
    zhang = session.scalars(select(Volunteer).where(Volunteer.name == "张伟")).one()
    assert (zhang.mobile, zhang.party_member, zhang.team_id, zhang.community_id) == (
        "+8613800000101",
        True,
        team.id,
        east.id,
    )
    assert zhang.languages == "zh,en"
    wang = session.scalars(select(Volunteer).where(Volunteer.name == "王芳")).one()
    assert (wang.party_member, wang.languages, wang.active, wang.team_id) == (
        False,
        "zh",
        True,
        None,
    )


def test_reimport_updates_by_mobile(session: Session) -> None:
    VolunteerFactory(name="旧名", mobile="+8613800000101")
    report = run(session, "name,mobile,active\n新名,13800000101,no")
    assert (report.created, report.updated) == (0, 1)
    volunteer = session.scalars(select(Volunteer)).one()
    assert (volunteer.name, volunteer.active) == ("新名", False)


def test_any_error_imports_nothing_and_reports_every_row(session: Session) -> None:
    report = run(
        session,
        """
name,mobile,party_member,team,community,languages
甲,13800000101,yes,,,
,13800000102,yes,,,
乙,12345,maybe,,,
丙,13800000101,,,,
丁,13800000104,,无此队,,
戊,13800000105,,,无此社区,zh;english
""",
    )
    assert not report.ok
    assert report.errors == [
        RowError(3, "name", "missing"),
        RowError(4, "mobile", "not a mobile number: '12345'"),
        RowError(4, "party_member", "expected 是/否 or yes/no, got 'maybe'"),
        RowError(5, "mobile", "same mobile as line 2"),
        RowError(6, "team", "unknown team '无此队'"),
        RowError(7, "languages", "not language tags: english"),
        RowError(7, "community", "unknown community '无此社区'"),
    ]
    assert count(session, Volunteer) == 0


def test_unknown_and_missing_columns_are_reported(session: Session) -> None:
    report = run(session, "name,phone\n甲,13800000101")
    assert report.errors == [
        RowError(1, "phone", "unknown column"),
        RowError(1, "mobile", "required column missing"),
    ]


def test_create_missing_makes_teams_and_communities(session: Session) -> None:
    report = run(
        session,
        """
name,mobile,team,community
甲,13800000101,新队,新社区
乙,13800000102,新队,
丙,13800000103,,新社区
""",
        create_missing=True,
    )
    assert report.ok, report.errors
    team = session.scalars(select(Team)).one()
    community = session.scalars(select(Community)).one()
    assert (team.name, team.community_id, community.name) == ("新队", community.id, "新社区")
    assert session.scalars(select(Volunteer.community_id)).all() == [community.id] * 3


def test_team_in_another_community_is_an_error(session: Session) -> None:
    east, west = CommunityFactory(name="东城社区"), CommunityFactory(name="西苑社区")
    TeamFactory(name="东城一队", community_id=east.id)
    report = run(session, f"name,mobile,team,community\n甲,13800000101,东城一队,{west.name}")
    assert report.errors == [RowError(2, "team", "东城一队 belongs to another community")]


def test_a_new_team_needs_a_community(session: Session) -> None:
    report = run(session, "name,mobile,team\n甲,13800000101,新队", create_missing=True)
    assert report.errors == [RowError(2, "team", "a new team needs its community")]
    assert count(session, Team) == 0
