"""Import technicians from CSV: every row checked first, then all of them saved or none.

Columns (English or Chinese headers): name/姓名 and mobile/手机 are required; skills/技能
(categories, by code or Chinese or English name), communities/服务社区 (by code or name), several
separated by , ; ， or 、, and active/在岗 are optional. A technician whose mobile already exists
is updated, so importing the same file twice changes nothing. Reads the file like the
volunteers' import (hotline.csv_rows).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.csv_rows import ImportReport, RowError, flag, read_rows
from hotline.models import Category, Community, Technician
from hotline.phone import normalize_number

HEADERS = {
    "name": ("name", "姓名"),
    "mobile": ("mobile", "手机", "手机号"),
    "skills": ("skills", "技能", "专长"),
    "communities": ("communities", "服务社区", "社区"),
    "active": ("active", "在岗"),
}
REQUIRED = ("name", "mobile")
SEPARATORS = re.compile(r"[,;，；、]")
T = TypeVar("T")


@dataclass
class _Row:
    line: int
    name: str
    mobile: str
    active: bool
    skills: list[Category]
    communities: list[Community]


def import_technicians(session: Session, lines: Iterable[str]) -> ImportReport:
    """Check every row of a technicians CSV, then save all of them, or none if any is wrong."""
    report = ImportReport()
    categories = _by_names(
        session.scalars(select(Category)), lambda c: (c.code, c.name_zh, c.name_en)
    )
    communities = _by_names(session.scalars(select(Community)), lambda c: (c.code, c.name))
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for line, cells in read_rows(lines, HEADERS, REQUIRED, report):
        error = functools.partial(_error, report, line)
        name = " ".join(cells.get("name", "").split())
        if not name:
            error("name", "missing")
        elif len(name) > 100:
            error("name", "longer than 100 characters")
        mobile = normalize_number(cells.get("mobile", ""))
        if mobile is None:
            error("mobile", f"not a mobile number: {cells.get('mobile', '')!r}")
        elif mobile in seen:
            error("mobile", f"same mobile as line {seen[mobile]}")
        else:
            seen[mobile] = line
        active = flag(cells.get("active", ""), default=True)
        if active is None:
            error("active", f"expected 是/否 or yes/no, got {cells['active']!r}")
        skills = _look_up(cells.get("skills", ""), categories, "skills", "category", error)
        places = _look_up(
            cells.get("communities", ""), communities, "communities", "community", error
        )
        rows.append(_Row(line, name, mobile or "", active is not False, skills, places))
    if report.errors:
        report.errors.sort(key=lambda e: e.line)
        return report

    existing = {
        t.mobile: t
        for t in session.scalars(select(Technician).where(Technician.mobile.in_(list(seen))))
    }
    with session.begin_nested():
        for row in rows:
            technician = existing.get(row.mobile)
            if technician is None:
                technician = Technician(mobile=row.mobile)
                session.add(technician)
                report.created += 1
            else:
                report.updated += 1
            technician.name = row.name
            technician.active = row.active
            technician.skills = row.skills
            technician.communities = row.communities
        session.flush()
    return report


def _error(report: ImportReport, line: int, column: str, message: str) -> None:
    report.errors.append(RowError(line, column, message))


def _by_names(rows: Iterable[T], names: Callable[[T], tuple[str, ...]]) -> dict[str, T]:
    """Rows by each of their names, lower case (codes, Chinese and English names)."""
    found: dict[str, T] = {}
    for row in rows:
        for name in names(row):
            found.setdefault(name.strip().lower(), row)
    return found


def _look_up(
    cell: str,
    known: dict[str, T],
    column: str,
    what: str,
    error: Callable[[str, str], None],
) -> list[T]:
    """The rows a cell names, each once in the order given; unknown names are errors."""
    chosen: list[T] = []
    for name in (n.strip() for n in SEPARATORS.split(cell)):
        if not name:
            continue
        row = known.get(name.lower())
        if row is None:
            error(column, f"unknown {what} {name!r}")
        elif row not in chosen:
            chosen.append(row)
    return chosen
