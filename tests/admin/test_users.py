"""Users' pages (administrators) and `flask users`: the same functions, the same audit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline import accounts
from hotline.models import Role, Team, User
from tests import factories
from tests.admin.conftest import audited
from tests.helpers import log_in, page, text

NEW_PASSWORD = "a long new password"


def _new_user(client: FlaskClient, **fields: str) -> str:
    data = {
        "username": "wangfang",
        "display_name": "王芳",
        "role": "volunteer",
        "locale": "",
        "volunteer": "",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    data.update(fields)
    return text(client.post("/admin/users/new", data=data, follow_redirects=True))


def test_an_admin_creates_a_login_linked_to_a_volunteer_chosen_by_name(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    volunteer = factories.VolunteerFactory(name="王芳")
    admin_user = sign_in(role=Role.ADMIN, username="boss")

    html = _new_user(client, volunteer="王芳")

    assert "wangfang" in html and "王芳" in html
    session.expire_all()
    user = accounts.find_user(session, "wangfang")
    assert user is not None
    assert (user.role, user.volunteer_id, user.display_name) == (
        Role.VOLUNTEER,
        volunteer.id,
        "王芳",
    )
    assert accounts.authenticate(session, "wangfang", NEW_PASSWORD) is not None
    [entry] = audited(session, "user.create")
    assert (entry.user_id, entry.username, entry.target) == (
        admin_user.id,
        "boss",
        f"user:{user.id}",
    )
    assert f"volunteer: 王芳 (#{volunteer.id})" in entry.detail
    assert NEW_PASSWORD not in entry.detail


def test_an_ambiguous_name_lists_each_candidates_team_and_masked_number(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    east, west = Team(name="东城服务队"), Team(name="西城服务队")
    session.add_all([east, west])
    factories.VolunteerFactory(name="王芳", team=east, mobile="+8613800000001")
    factories.VolunteerFactory(name="王芳", team=west, mobile="+8613900000002")
    sign_in(role=Role.ADMIN)

    html = _new_user(client, volunteer="王芳")

    assert "东城服务队" in html and "+86138****0001" in html
    assert "西城服务队" in html and "+86139****0002" in html
    assert accounts.find_user(session, "wangfang") is None


def test_the_picker_fills_name_and_id_which_links_that_one(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    factories.VolunteerFactory(name="王芳")
    second = factories.VolunteerFactory(name="王芳")
    user = factories.UserFactory(username="li", role=Role.VOLUNTEER)
    sign_in(role=Role.ADMIN)

    response = client.post(
        f"/admin/users/{user.id}",
        data={
            "display_name": "",
            "role": "volunteer",
            "locale": "",
            "volunteer": f"王芳 #{second.id}",
        },
    )

    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, user.id).volunteer_id == second.id  # type: ignore[union-attr]
    [entry] = audited(session, "user.edit")
    assert entry.detail == f"volunteer: — → 王芳 (#{second.id})"
    assert f'value="王芳 #{second.id}"' in page(client, f"/admin/users/{user.id}")


def test_changing_the_role_is_audited(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    user = factories.UserFactory(username="zhang", role=Role.VOLUNTEER)
    sign_in(role=Role.ADMIN)

    client.post(
        f"/admin/users/{user.id}",
        data={"display_name": "张主管", "role": "supervisor", "locale": "zh", "volunteer": ""},
    )

    session.expire_all()
    changed = session.get(User, user.id)
    assert changed is not None
    assert (changed.role, changed.display_name, changed.locale) == (Role.SUPERVISOR, "张主管", "zh")
    [entry] = audited(session, "user.edit")
    assert entry.detail == "role: volunteer → supervisor; display_name: — → 张主管; locale: — → zh"


def test_a_disabled_user_cannot_log_in_and_enabling_lets_them_back(
    app: Flask, client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    user = factories.UserFactory(username="zhao")
    sign_in(role=Role.ADMIN)

    assert client.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code == 302

    other = app.test_client()
    assert log_in(other, "zhao").status_code == 200  # the form again, not a redirect
    [entry] = audited(session, "user.disable")
    assert entry.target == f"user:{user.id}"

    client.post(f"/admin/users/{user.id}/active", data={"active": "1"})
    assert log_in(other, "zhao").status_code == 302
    assert len(audited(session, "user.enable")) == 1


def test_a_reset_password_replaces_the_old_one(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    user = factories.UserFactory(username="qian")
    sign_in(role=Role.ADMIN)

    response = client.post(
        f"/admin/users/{user.id}/password",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert response.status_code == 302
    session.expire_all()
    assert accounts.authenticate(session, "qian", NEW_PASSWORD) is not None
    assert accounts.authenticate(session, "qian", factories.PASSWORD) is None
    assert [e.target for e in audited(session, "user.password")] == [f"user:{user.id}"]


def test_an_admin_cannot_disable_or_demote_themselves(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    me = sign_in(role=Role.ADMIN, locale="en")

    html = text(
        client.post(f"/admin/users/{me.id}/active", data={"active": "0"}, follow_redirects=True)
    )
    assert "you cannot disable or demote your own login" in html
    html = text(
        client.post(
            f"/admin/users/{me.id}",
            data={"display_name": "", "role": "volunteer", "locale": "en", "volunteer": ""},
        )
    )
    assert "you cannot disable or demote your own login" in html
    session.expire_all()
    assert session.get(User, me.id).role is Role.ADMIN  # type: ignore[union-attr]
    assert audited(session, "user.disable") == audited(session, "user.edit") == []


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.SUPERVISOR])
def test_only_administrators_manage_users(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], role: Role
) -> None:
    user = factories.UserFactory(username="sun")
    sign_in(role=role)

    assert client.get("/admin/users").status_code == 403
    assert client.get(f"/admin/users/{user.id}").status_code == 403
    assert client.post("/admin/users/new", data={"username": "x"}).status_code == 403
    assert client.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code == 403
    session.expire_all()
    assert session.get(User, user.id).active  # type: ignore[union-attr]


def test_the_command_line_disables_and_changes_roles_with_the_same_audit(
    app: Flask, session: Session
) -> None:
    volunteer = factories.VolunteerFactory(name="李娜", mobile="+8613700000007")
    factories.UserFactory(username="zhou", role=Role.SUPERVISOR)
    session.commit()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["users", "set-role", "zhou", "volunteer", "--volunteer", "李娜"])
    assert result.exit_code == 0, result.output
    assert "zhou is now volunteer, volunteer 李娜" in result.output
    result = runner.invoke(args=["users", "disable", "zhou"])
    assert result.exit_code == 0, result.output

    session.expire_all()
    user = accounts.find_user(session, "zhou")
    assert user is not None and not user.active and user.volunteer_id == volunteer.id
    [edit] = audited(session, "user.edit")
    [disable] = audited(session, "user.disable")
    assert edit.username.startswith("cli:") and disable.username == edit.username
    assert edit.user_id is None
    assert runner.invoke(args=["users", "disable", "nobody"]).output.endswith(
        "Error: no user 'nobody'\n"
    )
