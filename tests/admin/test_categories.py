"""Categories as data (administrators): the flow's and rules' codes are kept, used ones are
retired instead of deleted, and new tickets and skills are offered only active ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import admin, tickets
from hotline.models import Category, Role, User
from tests import factories
from tests.admin.conftest import audited
from tests.helpers import page, text

FORM = {
    "code": "noise",
    "name_zh": "噪音扰民",
    "name_en": "noise nuisance",
    "sla_hours": "48",
    "urgent_sla_hours": "",
    "active": "y",
}


def _category(session: Session, code: str) -> Category:
    session.expire_all()
    return session.scalars(select(Category).where(Category.code == code)).one()


def test_an_admin_adds_a_category_with_both_names_and_its_promise(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    sign_in(role=Role.ADMIN)

    response = client.post(
        "/admin/categories/new", data={**FORM, "urgent": "y", "urgent_sla_hours": "8"}
    )

    assert response.status_code == 302
    noise = _category(session, "noise")
    assert (
        noise.name_zh,
        noise.name_en,
        noise.urgent,
        noise.sla_hours,
        noise.urgent_sla_hours,
    ) == (
        "噪音扰民",
        "noise nuisance",
        True,
        48,
        8,
    )
    [entry] = audited(session, "category.create")
    assert entry.target == f"category:{noise.id}" and "name_zh: 噪音扰民" in entry.detail
    assert "噪音扰民" in page(client, "/admin/categories")


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.SUPERVISOR])
def test_only_administrators_change_categories(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], role: Role
) -> None:
    category = factories.CategoryFactory()
    sign_in(role=role)

    assert client.get("/admin/categories").status_code == 403
    assert client.post("/admin/categories/new", data=FORM).status_code == 403
    assert client.post(f"/admin/categories/{category.id}/delete").status_code == 403
    assert session.get(Category, category.id) is not None


def test_a_category_the_ivr_flow_names_can_be_neither_deleted_nor_retired(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    tickets.ensure_categories(session)
    water = _category(session, "water_electric")
    sign_in(role=Role.ADMIN, locale="en")

    html = text(client.post(f"/admin/categories/{water.id}/delete", follow_redirects=True))
    assert "water_electric is named by ivr:main and cannot be deleted" in html
    form = {**FORM, "code": "ignored", "name_zh": "水电", "name_en": "water", "active": ""}
    html = text(client.post(f"/admin/categories/{water.id}", data=form))
    assert "water_electric is named by ivr:main: change that first, then retire it" in html

    water = _category(session, "water_electric")
    assert water.active and water.name_zh == "水电维修"
    assert audited(session, "category.delete") == audited(session, "category.edit") == []


def test_codes_are_named_by_every_flow_file_and_the_triage_rules(
    session: Session, tmp_path: Path
) -> None:
    flow = tmp_path / "night.yaml"
    shipped = Path(__file__).resolve().parents[2] / "ivr_flows" / "main.yaml"
    flow.write_text(
        shipped.read_text(encoding="utf-8")
        .replace("id: main", "id: night")
        .replace("category: complaint", "category: noise"),
        encoding="utf-8",
    )
    tickets.ensure_categories(session)
    noise = factories.CategoryFactory(code="noise")

    named = admin.named_codes([flow])

    assert named["noise"] == "ivr:night"
    assert "complaint" not in named  # only the main flow names it, and it was not given
    assert named["pipe_network"] == "ivr:night"
    with pytest.raises(admin.AdminError, match="noise is named by ivr:night"):
        admin.delete_category(session, admin.Editor(None, "cli:test"), noise.id, named)
    # Without any flow, the triage rules still name theirs.
    assert admin.named_codes([]) == {
        "pipe_network": "triage",
        "water_electric": "triage",
        "lockout": "triage",
    }
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: broken\n", encoding="utf-8")
    with pytest.raises(admin.AdminError, match="the IVR flow broken.yaml cannot be read"):
        admin.named_codes([broken])


def test_a_used_category_cannot_be_deleted_but_can_be_retired(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    used = factories.CategoryFactory(code="lift", name_zh="电梯故障", name_en="lift")
    ticket = factories.TicketFactory(category=used)
    sign_in(role=Role.ADMIN, locale="en")

    html = text(client.post(f"/admin/categories/{used.id}/delete", follow_redirects=True))
    assert "lift is used by tickets or technicians: retire it instead" in html
    form = {**FORM, "name_zh": "电梯故障", "name_en": "lift", "active": ""}
    assert client.post(f"/admin/categories/{used.id}", data=form).status_code == 302

    lift = _category(session, "lift")
    assert not lift.active and lift.code == "lift"  # the code stays whatever is posted
    [entry] = audited(session, "category.edit")
    assert entry.detail == "sla_hours: 72 → 48; active: yes → no"
    # Retired: offered nowhere new, but a ticket that has it keeps it.
    assert lift not in tickets.offered_categories(session)
    assert lift in tickets.offered_categories(session, keep=[ticket.category_id])
    html = page(client, f"/tickets/{ticket.number}")
    assert f'value="{lift.id}" selected' in html or f'selected value="{lift.id}"' in html


def test_an_unused_category_is_deleted_and_offered_nowhere(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    spare = factories.CategoryFactory(code="spare")
    retired = factories.CategoryFactory(code="old", active=False)
    ticket = factories.TicketFactory()
    sign_in(role=Role.ADMIN)

    assert client.post(f"/admin/categories/{spare.id}/delete").status_code == 302

    assert session.scalars(select(Category).where(Category.code == "spare")).first() is None
    [entry] = audited(session, "category.delete")
    assert "code: spare" in entry.detail
    html = page(client, f"/tickets/{ticket.number}")
    assert f'value="{retired.id}"' not in html


def test_the_first_run_seeds_the_menus_categories_once(app: Flask, session: Session) -> None:
    assert tickets.seed_categories(session)
    codes = set(session.scalars(select(Category.code)))
    assert codes == {row[0] for row in tickets.CATEGORIES}
    session.delete(_category(session, "complaint"))
    session.flush()

    assert not tickets.seed_categories(session)
    assert "complaint" not in set(session.scalars(select(Category.code)))
