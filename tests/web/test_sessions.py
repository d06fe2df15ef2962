"""Dashboard sessions end when the password changes or the account is deactivated."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline import accounts
from hotline.models import User
from tests import factories
from tests.helpers import log_in

NEW_PASSWORD = "a brand new password"


def change_with_the_domain_function(app: Flask, session: Session, username: str) -> None:
    accounts.set_password(session, username, NEW_PASSWORD)
    session.commit()


def change_with_the_cli(app: Flask, session: Session, username: str) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "set-password", "--password-stdin", username], input=f"{NEW_PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "change", [change_with_the_domain_function, change_with_the_cli], ids=["domain", "cli"]
)
def test_a_password_change_ends_the_users_sessions(
    app: Flask,
    client: FlaskClient,
    session: Session,
    sign_in: Callable[..., User],
    change: Callable[[Flask, Session, str], None],
) -> None:
    user = sign_in(username="zhang")
    other = app.test_client()
    assert log_in(other, "zhang").status_code == 302
    assert client.get("/tickets").status_code == 200

    change(app, session, user.username)

    for browser in (client, other):
        response = browser.get("/tickets")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert log_in(client, "zhang").status_code == 200  # the old password is refused
    assert log_in(client, "zhang", NEW_PASSWORD).status_code == 302
    assert client.get("/tickets").status_code == 200
    assert other.get("/tickets").status_code == 302


def test_other_changes_to_the_user_keep_the_session(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    user = sign_in()

    accounts.set_locale(session, user.id, "en")
    user.display_name = "张伟"
    session.commit()

    assert client.get("/tickets").status_code == 200


def test_a_session_holding_only_the_user_id_is_refused(
    client: FlaskClient, sign_in: Callable[..., User]
) -> None:
    user = sign_in()
    with client.session_transaction() as cookie:
        assert cookie["_user_id"].startswith(f"{user.id}:")
        cookie["_user_id"] = str(user.id)  # the format before fingerprints, or a forgery

    assert client.get("/tickets").status_code == 302


def test_a_session_of_another_secret_key_is_refused(
    make_app: Callable[..., Flask], session: Session
) -> None:
    factories.UserFactory(username="zhang")
    session.commit()
    first = make_app(secret_key="first-secret").test_client()
    assert log_in(first, "zhang").status_code == 302
    with first.session_transaction() as cookie:
        user_id = cookie["_user_id"]
    second = make_app(secret_key="second-secret").test_client()

    with second.session_transaction() as cookie:
        cookie["_user_id"] = user_id  # signed by the second app: only the fingerprint differs

    assert second.get("/tickets").status_code == 302


def test_a_deactivated_users_session_ends(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    user = sign_in()
    assert client.get("/tickets").status_code == 200

    user.active = False
    session.commit()

    response = client.get("/tickets")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
