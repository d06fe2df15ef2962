"""Volunteers', teams' and communities' pages (supervisors and administrators)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Community, Role, Team, User, Volunteer
from tests import factories
from tests.admin.conftest import audited
from tests.dispatch.factories import TechnicianFactory
from tests.helpers import page, text


def _volunteer_form(**fields: str) -> dict[str, str]:
    data = {
        "name": "王芳",
        "mobile": "138 0000 0001",
        "team": "",
        "community": "",
        "languages": "zh, en",
        "party_member": "y",
        "active": "y",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_a_volunteer_is_added_with_a_chinese_name_in_a_teams_community(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], role: Role
) -> None:
    community = factories.CommunityFactory(name="东城社区")
    team = Team(name="东城服务队", community_id=community.id)
    session.add(team)
    session.flush()
    editor = sign_in(role=role)

    response = client.post("/admin/volunteers/new", data=_volunteer_form(team=str(team.id)))

    assert response.status_code == 302
    volunteer = session.scalars(select(Volunteer).where(Volunteer.name == "王芳")).one()
    assert (volunteer.mobile, volunteer.team_id, volunteer.community_id, volunteer.languages) == (
        "+8613800000001",
        team.id,
        community.id,
        "zh,en",
    )
    [entry] = audited(session, "volunteer.create")
    assert (entry.user_id, entry.target) == (editor.id, f"volunteer:{volunteer.id}")
    assert "name: 王芳" in entry.detail and "community: 东城社区" in entry.detail
    html = page(client, "/admin/volunteers?q=王")
    assert "王芳" in html and "东城服务队" in html


def test_a_mobile_already_taken_is_refused_naming_its_volunteer(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    factories.VolunteerFactory(name="李娜", mobile="+8613800000001")
    sign_in(role=Role.SUPERVISOR)

    html = text(client.post("/admin/volunteers/new", data=_volunteer_form()))

    assert "手机号 +8613800000001 已是李娜的号码" in html
    assert session.scalars(select(Volunteer).where(Volunteer.name == "王芳")).first() is None
    assert audited(session, "volunteer.create") == []


def test_editing_and_deactivating_a_volunteer_is_audited_field_by_field(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    volunteer = factories.VolunteerFactory(name="王芳", mobile="+8613800000001")
    sign_in(role=Role.SUPERVISOR)

    client.post(
        f"/admin/volunteers/{volunteer.id}",
        data=_volunteer_form(name="王芳芳", mobile="+8613800000001", languages="zh"),
    )
    client.post(f"/admin/volunteers/{volunteer.id}/active", data={"active": "0"})

    session.expire_all()
    changed = session.get(Volunteer, volunteer.id)
    assert changed is not None and changed.name == "王芳芳" and not changed.active
    assert [e.detail for e in audited(session, "volunteer.edit")] == [
        "name: 王芳 → 王芳芳",
        "active: yes → no",
    ]


def test_volunteers_may_not_administer_people(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    volunteer = factories.VolunteerFactory()
    sign_in(role=Role.VOLUNTEER)

    for path in ("/admin", "/admin/volunteers", "/admin/teams", "/admin/communities"):
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/volunteers/new", data=_volunteer_form()).status_code == 403
    response = client.post(f"/admin/volunteers/{volunteer.id}/active", data={"active": "0"})
    assert response.status_code == 403
    assert client.post("/admin/communities", data={"code": "x", "name": "y"}).status_code == 403
    assert audited(session, "volunteer.edit") == audited(session, "community.create") == []


def test_a_supervisor_sees_people_and_places_but_not_users_or_categories(
    client: FlaskClient, sign_in: Callable[..., User]
) -> None:
    sign_in(role=Role.SUPERVISOR)

    html = page(client, "/admin")

    assert 'href="/admin/volunteers"' in html and 'href="/admin/communities"' in html
    assert 'href="/admin/users"' not in html and 'href="/admin/categories"' not in html


def test_teams_are_added_renamed_and_deleted_only_when_empty(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    community = factories.CommunityFactory(name="西城社区")
    sign_in(role=Role.SUPERVISOR, locale="en")

    client.post("/admin/teams", data={"name": "西城服务队", "community": str(community.id)})
    team = session.scalars(select(Team).where(Team.name == "西城服务队")).one()
    client.post(f"/admin/teams/{team.id}", data={"name": "西城一队", "community": ""})
    factories.VolunteerFactory(team_id=team.id)
    session.commit()
    html = text(client.post(f"/admin/teams/{team.id}/delete", follow_redirects=True))

    assert "西城一队 still has volunteers: move them first" in html
    assert [e.detail for e in audited(session, "team.create")] == [
        "name: 西城服务队; community: 西城社区"
    ]
    assert [e.detail for e in audited(session, "team.edit")] == [
        "name: 西城服务队 → 西城一队; community: 西城社区 → —"
    ]
    assert audited(session, "team.delete") == []


def test_a_community_is_added_and_an_unused_one_deleted(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    sign_in(role=Role.SUPERVISOR, locale="en")

    client.post("/admin/communities", data={"code": "dongcheng", "name": "东城社区"})
    html = text(client.post("/admin/communities", data={"code": "dongcheng", "name": "另一个"}))
    assert "the code dongcheng is already 东城社区&#39;s" in html
    community_id = session.scalars(select(Community.id).where(Community.code == "dongcheng")).one()
    used = factories.CommunityFactory(name="南城社区")
    factories.TicketFactory(community=used)
    session.commit()

    client.post(f"/admin/communities/{community_id}/delete")
    html = text(client.post(f"/admin/communities/{used.id}/delete", follow_redirects=True))

    assert "南城社区 is in use" in html
    session.expire_all()
    assert session.get(Community, community_id) is None
    assert session.get(Community, used.id) is not None
    [created] = audited(session, "community.create")
    [deleted] = audited(session, "community.delete")
    assert created.target == deleted.target == f"community:{community_id}"
    assert deleted.detail == "code: dongcheng; name: 东城社区"


def test_the_csv_upload_imports_volunteers_and_is_audited(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    sign_in(role=Role.SUPERVISOR)
    csv = "姓名,手机\n赵磊,13800000011\n钱多,13800000012\n".encode()

    response = client.post(
        "/admin/volunteers/import",
        data={"file": (io.BytesIO(csv), "volunteers.csv")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    names = set(session.scalars(select(Volunteer.name)))
    assert {"赵磊", "钱多"} <= names
    [entry] = audited(session, "volunteer.import")
    assert entry.detail == "created: 2; updated: 0"


def test_changes_appear_on_the_audit_page_filtered_by_action(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    factories.VolunteerFactory(name="李娜", mobile="+8613800000009")
    sign_in(role=Role.ADMIN, username="boss")
    client.post("/admin/volunteers/new", data=_volunteer_form(), follow_redirects=True)
    client.post(
        "/admin/communities", data={"code": "beicheng", "name": "北城社区"}, follow_redirects=True
    )

    html = page(client, "/audit?action=volunteer.create")

    assert html.count('class="audit-volunteer-create"') == 1
    assert "新增志愿者" in html and "name: 王芳" in html and "boss" in html
    assert "北城社区" not in html
    assert "北城社区" in page(client, "/audit?target=community:")


@pytest.mark.parametrize(
    ("path", "person"),
    [
        ("/admin/volunteers", True),
        ("/admin/volunteers/new", True),
        ("/admin/users", True),
        ("/technicians", True),
        ("/technicians/new", True),
        ("/admin/communities", False),
        ("/admin/teams", False),
    ],
)
def test_a_persons_name_is_labelled_xingming_and_a_places_mingcheng(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], path: str, person: bool
) -> None:
    factories.VolunteerFactory(name="王芳")
    TechnicianFactory(name="李师傅")
    factories.CommunityFactory(name="东城社区")
    sign_in(role=Role.ADMIN)

    html = page(client, path)

    # Table headers and form labels (a label's text comes before its input).
    labels = re.findall(r"<(?:th|label)\b[^>]*>\s*([^<]*?)\s*<", html)
    assert ("姓名" in labels) is person, labels
    assert ("名称" in labels) is not person, labels
