"""`flask rota ...` through the app's CLI runner."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import Volunteer
from tests.factories import CallFactory
from tests.helpers import configure
from tests.rota.factories import RotationFactory, VolunteerFactory

FALLBACK = "+8657188880000"


@pytest.fixture
def app(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The test app with a supervisors' fallback number."""
    return configure(app, monkeypatch, supervisor_fallback_number=FALLBACK)


def invoke(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["rota", *args])
    return result.exit_code, result.output


def test_show_prints_the_chain_at_a_local_time_and_the_fallback(
    app: Flask, session: Session
) -> None:
    a, b = VolunteerFactory(name="张伟"), VolunteerFactory(name="王芳")
    RotationFactory(members=[a])
    RotationFactory(layer=2, members=[b])
    session.commit()
    code, out = invoke(app, "show", "--at", "2026-12-01 03:00")
    assert code == 0
    assert out.splitlines() == [
        "On duty at 2026-12-01 03:00 (Asia/Shanghai):",
        "  nobody on the rota",
        "  1. fallback  supervisors  " + FALLBACK,
    ]
    code, out = invoke(app, "show", "--at", "2026-12-02 03:00")
    assert out.splitlines()[1:] == [
        f"  1. layer 1 主班  张伟  {a.mobile}",
        f"  2. layer 2 备班  王芳  {b.mobile}",
        f"  3. fallback  supervisors  {FALLBACK}",
    ]


def test_coverage_exits_1_when_there_is_a_gap(app: Flask, session: Session) -> None:
    now = utcnow()
    RotationFactory(
        members=[VolunteerFactory()],
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=2),
    )
    session.commit()
    code, out = invoke(app, "coverage", "--days", "3")
    assert code == 1
    assert out.startswith("GAP ")
    assert "1 gaps, 1 windows without backup, 0 conflicts in the next 3 days" in out


def test_coverage_exits_0_when_covered(app: Flask, session: Session) -> None:
    RotationFactory(members=[VolunteerFactory()], starts_at=utcnow() - timedelta(days=1))
    session.commit()
    code, out = invoke(app, "coverage", "--days", "30")
    assert code == 0
    assert "0 gaps" in out


def test_import_reports_errors_and_imports_nothing(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "volunteers.csv"
    path.write_text("姓名,手机\n张伟,13800000101\n王芳,123\n", encoding="utf-8-sig")
    code, out = invoke(app, "import", str(path))
    assert code == 1
    assert f"{path}: line 3, mobile: not a mobile number: '123'" in out
    assert "1 errors: nothing imported" in out
    assert session.scalar(select(func.count()).select_from(Volunteer)) == 0


def test_import_reads_a_gb18030_csv_from_excel(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "volunteers.csv"
    path.write_bytes("姓名,手机\n张伟,13800000101\n".encode("gb18030"))
    code, out = invoke(app, "import", str(path))
    assert (code, out.strip()) == (0, "imported 1 new and 0 updated volunteers")
    assert session.scalars(select(Volunteer.name)).all() == ["张伟"]


def test_fairness_prints_each_team_and_the_spread(app: Flask, session: Session) -> None:
    a, b = VolunteerFactory(name="张伟"), VolunteerFactory(name="王芳")
    RotationFactory(members=[a, b])
    CallFactory(answered_by_id=a.id, started_at=datetime.fromisoformat("2026-12-01T09:00:00+08:00"))
    session.commit()
    code, out = invoke(app, "fairness", "--from", "2026-12-01", "--to", "2026-12-04")
    assert code == 0
    lines = out.splitlines()
    assert "(no team)" in lines
    # 2026-12-01 00:00 to 12-05 00:00: a 08:00 Tue..Wed 08:00 and Thu 08:00..Fri 08:00 (48 h).
    assert any(
        line.split()[:3] == ["张伟", "48.0", "48.0"] and line.endswith("1") for line in lines
    )
    assert "  hours max 48.0 min 40.0 sd 4.0; " in out
