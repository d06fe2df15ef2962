"""The talent pool: technicians, their open load, whom to suggest for a ticket, CSV import."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from hotline import dispatch
from hotline.csv_rows import RowError
from hotline.models import Technician, TicketStatus
from tests.dispatch.factories import TechnicianFactory
from tests.factories import CategoryFactory, CommunityFactory, TicketFactory


def test_suggestions_rank_skill_then_community_then_load_then_name(session: Session) -> None:
    plumbing, locks = CategoryFactory(code="water"), CategoryFactory(code="lock")
    east, west = CommunityFactory(), CommunityFactory()
    ticket = TicketFactory(category=plumbing, community=east)
    busy_skilled_local = TechnicianFactory(name="甲", skills=[plumbing], communities=[east])
    idle_skilled_elsewhere = TechnicianFactory(name="乙", skills=[plumbing], communities=[west])
    idle_skilled_local = TechnicianFactory(name="丙", skills=[plumbing], communities=[east])
    local_wrong_skill = TechnicianFactory(name="丁", skills=[locks], communities=[east])
    nobody_a = TechnicianFactory(name="Amy")
    nobody_b = TechnicianFactory(name="Bob")
    TechnicianFactory(name="停用", skills=[plumbing], communities=[east], active=False)
    for status in (TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS):
        TicketFactory(technician=busy_skilled_local, status=status)
    TicketFactory(technician=nobody_a, status=TicketStatus.ASSIGNED)
    # Closed and resolved tickets are no load.
    TicketFactory(technician=idle_skilled_local, status=TicketStatus.RESOLVED)
    TicketFactory(technician=idle_skilled_local, status=TicketStatus.CLOSED)

    ranked = dispatch.suggest(session, ticket, limit=10)
    assert [s.technician for s in ranked] == [
        idle_skilled_local,
        busy_skilled_local,
        idle_skilled_elsewhere,
        local_wrong_skill,
        nobody_b,
        nobody_a,
    ]
    assert [(s.skilled, s.serves, s.load) for s in ranked] == [
        (True, True, 0),
        (True, True, 2),
        (True, False, 0),
        (False, True, 0),
        (False, False, 0),
        (False, False, 1),
    ]
    top = dispatch.suggest(session, ticket, limit=2)
    assert [s.technician for s in top] == [idle_skilled_local, busy_skilled_local]


def test_a_ticket_without_category_or_community_is_ranked_by_load_and_name(
    session: Session,
) -> None:
    ticket = TicketFactory()
    b, a = TechnicianFactory(name="B"), TechnicianFactory(name="A")
    busy = TechnicianFactory(name="0-busy")
    TicketFactory(technician=busy, status=TicketStatus.OPEN)
    assert [s.technician for s in dispatch.suggest(session, ticket)] == [a, b, busy]


def test_roster_lists_open_load(session: Session) -> None:
    tech = TechnicianFactory(name="王")
    idle = TechnicianFactory(name="李", active=False)
    TicketFactory(technician=tech, status=TicketStatus.IN_PROGRESS)
    TicketFactory(technician=tech, status=TicketStatus.RESOLVED)
    assert [(x.technician, x.load) for x in dispatch.roster(session)] == [(tech, 1), (idle, 0)]
    assert dispatch.open_load(session, tech.id) == 1
    assert [x.technician for x in dispatch.roster(session, include_inactive=False)] == [tech]


def test_the_assign_panels_roster_counts_load_without_loading_skills(session: Session) -> None:
    tech = TechnicianFactory(name="王", skills=[CategoryFactory()])
    TicketFactory(technician=tech, status=TicketStatus.ASSIGNED)
    TicketFactory(technician=tech, status=TicketStatus.OPEN)
    TicketFactory(technician=tech, status=TicketStatus.CLOSED)
    session.flush()
    session.expire_all()

    [entry] = dispatch.roster(session, include_inactive=False, with_skills=False)
    unloaded = inspect(entry.technician).unloaded
    [full] = dispatch.roster(session, include_inactive=False)

    assert (entry.technician.id, entry.load) == (tech.id, 2)
    assert {"skills", "communities"} <= unloaded
    assert {"skills", "communities"}.isdisjoint(inspect(full.technician).unloaded)
    assert full.load == 2


def test_saving_a_technician_normalises_and_checks(session: Session) -> None:
    water = CategoryFactory()
    east = CommunityFactory()
    data = dispatch.TechnicianData(" 王  师傅 ", "138 0000 1234", [water.id], [east.id])
    tech = dispatch.save_technician(session, data)
    assert (tech.name, tech.mobile, tech.skills, tech.communities, tech.active) == (
        "王 师傅",
        "+8613800001234",
        [water],
        [east],
        True,
    )
    changed = dispatch.save_technician(
        session, dispatch.TechnicianData("王师傅", "13800001234", [], [], active=False), tech.id
    )
    assert changed is tech and (tech.name, tech.skills, tech.active) == ("王师傅", [], False)
    with pytest.raises(dispatch.DispatchError, match="already has this mobile"):
        dispatch.save_technician(session, dispatch.TechnicianData("李", "+8613800001234"))
    with pytest.raises(dispatch.DispatchError, match="not a mobile number"):
        dispatch.save_technician(session, dispatch.TechnicianData("李", "12345"))
    with pytest.raises(dispatch.DispatchError, match="a name is needed"):
        dispatch.save_technician(session, dispatch.TechnicianData("  ", "13800001235"))
    with pytest.raises(dispatch.DispatchError, match="no longer exists"):
        dispatch.save_technician(session, dispatch.TechnicianData("李", "13800001235", [999999]))


def test_deactivating_keeps_assigned_tickets(session: Session) -> None:
    tech = TechnicianFactory()
    ticket = TicketFactory(technician=tech, status=TicketStatus.ASSIGNED)
    dispatch.set_active(session, tech.id, False)
    assert (tech.active, ticket.technician_id) == (False, tech.id)
    assert dispatch.suggest(session, ticket) == []
    with pytest.raises(dispatch.DispatchError):
        dispatch.set_active(session, 999999, False)


def run(session: Session, text: str) -> dispatch.csv_import.ImportReport:
    return dispatch.import_technicians(session, text.strip().splitlines())


def test_import_creates_technicians_with_chinese_headers(session: Session) -> None:
    CategoryFactory(code="water", name_zh="水电维修", name_en="Water and power")
    CategoryFactory(code="lock", name_zh="开锁", name_en="Lock-out")
    CommunityFactory(code="dongcheng", name="东城社区")
    CommunityFactory(code="xicheng", name="西城社区")
    report = run(
        session,
        """
姓名,手机,技能,服务社区,在岗
王师傅,138 0000 0101,水电维修、lock,"东城社区,xicheng",是
李师傅,13800000102,Water and power,,否
""",
    )
    assert (report.ok, report.created, report.updated) == (True, 2, 0)
    wang = session.scalars(select(Technician).where(Technician.name == "王师傅")).one()
    assert wang.mobile == "+8613800000101" and wang.active
    assert sorted(c.code for c in wang.skills) == ["lock", "water"]
    assert sorted(c.code for c in wang.communities) == ["dongcheng", "xicheng"]
    li = session.scalars(select(Technician).where(Technician.name == "李师傅")).one()
    assert ([c.code for c in li.skills], li.communities, li.active) == (["water"], [], False)


def test_reimport_updates_by_mobile(session: Session) -> None:
    TechnicianFactory(name="旧名", mobile="+8613800000101")
    report = run(session, "name,mobile,active\n新名,13800000101,no")
    assert (report.created, report.updated) == (0, 1)
    tech = session.scalars(select(Technician)).one()
    assert (tech.name, tech.active) == ("新名", False)


def test_any_error_imports_nothing_and_reports_every_row(session: Session) -> None:
    CategoryFactory(code="water")
    report = run(
        session,
        """
name,mobile,skills,communities,active
好人,13800000101,water,,yes
,13800000102,,,
坏号,12345,,,maybe
重复,138-0000-0101,,,
无技能,13800000105,木工,无此社区,
""",
    )
    assert not report.ok
    assert report.errors == [
        RowError(3, "name", "missing"),
        RowError(4, "mobile", "not a mobile number: '12345'"),
        RowError(4, "active", "expected 是/否 or yes/no, got 'maybe'"),
        RowError(5, "mobile", "same mobile as line 2"),
        RowError(6, "skills", "unknown category '木工'"),
        RowError(6, "communities", "unknown community '无此社区'"),
    ]
    assert session.scalars(select(Technician)).all() == []


def test_header_problems_are_reported_first(session: Session) -> None:
    report = run(session, "name,phone\n王,13800000101")
    assert report.errors == [
        RowError(1, "phone", "unknown column"),
        RowError(1, "mobile", "required column missing"),
    ]


def test_the_cli_imports_or_reports(app: Flask, session: Session, tmp_path: Path) -> None:
    CategoryFactory(code="water")
    session.commit()
    good = tmp_path / "good.csv"
    good.write_bytes("姓名,手机,技能\n王师傅,13800000101,water\n".encode("gb18030"))
    bad = tmp_path / "bad.csv"
    bad.write_text("name,mobile\n王师傅,123\n", encoding="utf-8-sig")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["dispatch", "import", str(bad)])
    assert result.exit_code == 1
    assert "line 2, mobile: not a mobile number: '123'" in result.output
    assert "nothing imported" in result.output
    result = runner.invoke(args=["dispatch", "import", str(good)])
    assert (result.exit_code, result.output.strip()) == (
        0,
        "imported 1 new and 0 updated technicians",
    )
    listed = runner.invoke(args=["dispatch", "list"])
    assert "王师傅" in listed.output and "+8613800000101" in listed.output
    assert "load   0  water" in listed.output
