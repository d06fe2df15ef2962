"""The audit log is append-only: nothing in the application updates or deletes an entry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import audit
from hotline.models.audit import AuditEntry

ROOT = Path(__file__).resolve().parents[2] / "hotline"
# update(AuditEntry) / delete(AuditEntry), raw SQL on the table, a query's .update/.delete.
FORBIDDEN = [
    re.compile(r"\b(update|delete)\(\s*(AuditEntry|audit_entry)\b"),
    re.compile(r"\b(UPDATE|DELETE\s+FROM|TRUNCATE(\s+TABLE)?)\s+\"?audit_entry\b", re.I),
    re.compile(r"\(\s*AuditEntry\b[^)]*\)[^\n]*\.(update|delete)\("),
    re.compile(r"AuditEntry\.__table__\.(update|delete)\("),
]


def _python_files() -> list[Path]:
    # Migrations may create and (on downgrade) drop the table: that is the schema, not the app.
    return [p for p in ROOT.rglob("*.py") if "migrations" not in p.parts]


def test_no_code_updates_or_deletes_audit_entries() -> None:
    offenders = [
        f"{path.relative_to(ROOT.parent)}:{n}: {line.strip()}"
        for path in _python_files()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(pattern.search(line) for pattern in FORBIDDEN)
    ]
    assert offenders == []


def test_the_grep_would_catch_the_usual_ways() -> None:
    # The patterns themselves must be able to fail.
    for line in (
        "session.execute(delete(AuditEntry).where(AuditEntry.id == 1))",
        "session.execute(update(AuditEntry).values(detail=''))",
        'session.execute(text("DELETE FROM audit_entry"))',
        "session.query(AuditEntry).filter_by(id=1).delete()",
        "AuditEntry.__table__.delete()",
    ):
        assert any(p.search(line) for p in FORBIDDEN), line


def test_the_orm_refuses_to_change_or_delete_an_entry(session: Session) -> None:
    entry = audit.record(session, user_id=None, username="x", action=audit.Action.LOGIN_FAILED)
    entry.detail = "rewritten"
    with pytest.raises(audit.AppendOnly):
        session.flush()
    session.rollback()

    entry = audit.record(session, user_id=None, username="y", action=audit.Action.LOGIN_FAILED)
    session.delete(entry)
    with pytest.raises(audit.AppendOnly):
        session.flush()
    session.rollback()
    assert session.scalars(select(AuditEntry).where(AuditEntry.username == "y")).all() == []
