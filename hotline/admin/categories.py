"""Categories of issue as data: names in both languages, the urgent flag, the promised hours,
retired or active. The IVR flows and the triage rules name categories by code, so a category
either names can be neither deleted nor retired; one on tickets (or a technician's skill) can
be retired but not deleted. Every change is audited."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from hotline.admin.changes import AdminError, Editor, changes, record
from hotline.audit import Action
from hotline.ivr.loader import load_flow
from hotline.ivr.model import FlowError, Menu
from hotline.models import Category, Ticket
from hotline.models.dispatch import technician_skill
from hotline.refusal import N_
from hotline.triage.rules import RULES_PATH, RulesError, load_rules

CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")
NAME_CHARS = 100
# A promise longer than a year is no promise.
MAX_HOURS = 24 * 366


@dataclass(frozen=True)
class CategoryData:
    """What the category form says. The code is fixed once created: calls, flows and rules
    refer to it."""

    code: str
    name_zh: str
    name_en: str
    urgent: bool = False
    sla_hours: int = 72
    urgent_sla_hours: int | None = None
    active: bool = True


@dataclass(frozen=True)
class Listed:
    """A category with its number of tickets and what names it by code ("" if nothing)."""

    category: Category
    tickets: int
    named_by: str


def named_codes(flow_files: Iterable[Path], rules_path: Path = RULES_PATH) -> dict[str, str]:
    """The category codes the IVR flows' menus and the triage rules name, each with what
    names it ("ivr:main", "triage"). A file that cannot be read is an AdminError: without it
    nobody can say which categories are safe to change."""
    named: dict[str, str] = {}
    try:
        rules = load_rules(rules_path)
    except RulesError as exc:
        raise AdminError(
            N_("the triage rules cannot be read: %(why)s"), why=str(exc)[:200]
        ) from exc
    for rule in rules.rules:
        if rule.category is not None:
            named.setdefault(rule.category, "triage")
    for path in sorted(flow_files):
        try:
            flow = load_flow(path)
        except FlowError as exc:
            raise AdminError(
                N_("the IVR flow %(file)s cannot be read: %(why)s"),
                file=path.name,
                why=str(exc)[:200],
            ) from exc
        for node in flow.nodes.values():
            if isinstance(node, Menu):
                for option in node.options.values():
                    if option.category is not None:
                        named[option.category] = f"ivr:{flow.id}"
    return named


def listed(session: Session, named: Mapping[str, str]) -> list[Listed]:
    """Every category, active first, then by code, with its tickets and what names it."""
    count = (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.category_id == Category.id)
        .correlate(Category)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Category, count).order_by(Category.active.desc(), Category.code)
    ).all()
    return [Listed(c, n, named.get(c.code, "")) for c, n in rows]


def get_category(session: Session, category_id: int) -> Category:
    """The category with this id; AdminError if there is none."""
    category = session.get(Category, category_id)
    if category is None:
        raise AdminError(N_("no such category"))
    return category


def _values(category: Category) -> dict[str, object]:
    return {
        "code": category.code,
        "name_zh": category.name_zh,
        "name_en": category.name_en,
        "urgent": category.urgent,
        "sla_hours": category.sla_hours,
        "urgent_sla_hours": category.urgent_sla_hours,
        "active": category.active,
    }


def _text(value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise AdminError(N_("a name is needed"))
    if len(text) > NAME_CHARS:
        raise AdminError(N_("the name is longer than %(n)s characters"), n=NAME_CHARS)
    return text


def _hours(hours: int | None) -> None:
    if hours is not None and not 1 <= hours <= MAX_HOURS:
        raise AdminError(N_("promised hours must be between 1 and %(n)s"), n=MAX_HOURS)


def save_category(
    session: Session,
    editor: Editor,
    data: CategoryData,
    named: Mapping[str, str],
    category_id: int | None = None,
) -> Category:
    """Create a category (category_id None) or change one; retiring one that `named` (from
    named_codes) lists is refused."""
    category = None if category_id is None else get_category(session, category_id)
    code = data.code.strip() if category is None else category.code
    if not CODE.fullmatch(code):
        raise AdminError(N_("a code is 1 to 32 small letters, digits or _, starting with a letter"))
    if category is None and session.scalar(select(exists().where(Category.code == code))):
        raise AdminError(N_("there is already a category with the code %(code)s"), code=code)
    _hours(data.sla_hours)
    _hours(data.urgent_sla_hours)
    if not data.active and code in named:
        raise AdminError(
            N_("%(code)s is named by %(where)s: change that first, then retire it"),
            code=code,
            where=named[code],
        )
    before = {} if category is None else _values(category)
    if category is None:
        category = Category(code=code)
        session.add(category)
    category.name_zh = _text(data.name_zh)
    category.name_en = _text(data.name_en)
    category.urgent = data.urgent
    category.sla_hours = data.sla_hours
    category.urgent_sla_hours = data.urgent_sla_hours
    category.active = data.active
    session.flush()
    detail = changes(before, _values(category))
    if detail:
        action = Action.CATEGORY_EDIT if before else Action.CATEGORY_CREATE
        record(session, editor, action, f"category:{category.id}", detail)
    return category


def delete_category(
    session: Session, editor: Editor, category_id: int, named: Mapping[str, str]
) -> str:
    """Delete a category nothing uses (its code, for the page). Refused when the flows or
    rules name it, or tickets or technicians' skills use it: retire it instead."""
    category = get_category(session, category_id)
    if category.code in named:
        raise AdminError(
            N_("%(code)s is named by %(where)s and cannot be deleted"),
            code=category.code,
            where=named[category.code],
        )
    used = session.scalar(select(exists().where(Ticket.category_id == category.id))) or (
        session.scalar(select(exists().where(technician_skill.c.category_id == category.id)))
    )
    if used:
        raise AdminError(
            N_("%(code)s is used by tickets or technicians: retire it instead"),
            code=category.code,
        )
    code = category.code
    record(
        session,
        editor,
        Action.CATEGORY_DELETE,
        f"category:{category.id}",
        changes({}, _values(category)),
    )
    session.delete(category)
    session.flush()
    return code
