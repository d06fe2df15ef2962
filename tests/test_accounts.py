"""Dashboard accounts: hashing, authentication, and the `flask users` commands."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from hotline import accounts
from hotline.models import Role, User
from tests import factories

PASSWORD = "long enough password"


def test_create_user_stores_a_salted_hash_never_the_password(session: Session) -> None:
    first = accounts.create_user(session, "  Zhang.Wei ", PASSWORD, Role.SUPERVISOR)
    second = accounts.create_user(session, "li.na", PASSWORD, Role.SUPERVISOR)

    assert first.username == "zhang.wei"
    assert PASSWORD not in first.password_hash
    assert first.password_hash.startswith("scrypt:")
    assert first.password_hash != second.password_hash
    assert check_password_hash(first.password_hash, PASSWORD)


def test_authenticate_accepts_the_right_password_only(session: Session) -> None:
    user = accounts.create_user(session, "zhang", PASSWORD, Role.ADMIN)

    assert accounts.authenticate(session, "ZHANG", PASSWORD) is user
    assert accounts.authenticate(session, "zhang", PASSWORD + "x") is None
    assert accounts.authenticate(session, "nobody", PASSWORD) is None


def test_inactive_user_cannot_authenticate(session: Session) -> None:
    user = accounts.create_user(session, "zhang", PASSWORD, Role.SUPERVISOR)
    user.active = False

    assert accounts.authenticate(session, "zhang", PASSWORD) is None
    assert accounts.active_user(session, user.id) is None


@pytest.mark.parametrize(
    ("username", "password", "kwargs", "message"),
    [
        ("", PASSWORD, {}, "username must not be empty"),
        ("taken", PASSWORD, {}, "already exists"),
        ("new", "short", {}, "at least 10 characters"),
        ("new", PASSWORD, {"locale": "fr"}, "locale must be one of zh, en"),
        ("new", PASSWORD, {"volunteer_id": 999999}, "no volunteer with id 999999"),
    ],
)
def test_create_user_refuses_bad_input(
    session: Session, username: str, password: str, kwargs: dict[str, object], message: str
) -> None:
    factories.UserFactory(username="taken")

    with pytest.raises(accounts.AccountError, match=message):
        accounts.create_user(session, username, password, Role.VOLUNTEER, **kwargs)  # type: ignore[arg-type]


def test_set_password_replaces_the_old_one(session: Session) -> None:
    accounts.create_user(session, "zhang", PASSWORD, Role.SUPERVISOR)

    accounts.set_password(session, "zhang", "another long password")

    assert accounts.authenticate(session, "zhang", PASSWORD) is None
    assert accounts.authenticate(session, "zhang", "another long password") is not None


def _user(session: Session, username: str) -> User | None:
    session.rollback()  # a new transaction sees what the command committed
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def test_users_create_prompts_twice_and_stores_a_hash(app: Flask, session: Session) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--role", "supervisor", "--display-name", "王主管", "wang"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert "created supervisor wang" in result.output
    user = _user(session, "wang")
    assert user is not None
    assert user.role is Role.SUPERVISOR
    assert user.display_name == "王主管"
    assert user.active
    assert PASSWORD not in user.password_hash
    assert check_password_hash(user.password_hash, PASSWORD)


def test_users_create_takes_the_persons_name_as_name(app: Flask, session: Session) -> None:
    runner = app.test_cli_runner()

    result = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "admin",
            "--name",
            "张主任",
            "zhang",
            "--password-stdin",
        ],
        input=f"{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    user = _user(session, "zhang")
    assert user is not None and user.display_name == "张主任"
    assert "--name" in runner.invoke(args=["users", "create", "--help"]).output


def test_users_create_refuses_mismatched_confirmation(app: Flask, session: Session) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--role", "admin", "wang"],
        input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n",
    )

    assert "do not match" in result.output
    assert result.exit_code == 0
    user = _user(session, "wang")
    assert user is not None
    assert check_password_hash(user.password_hash, PASSWORD)


def test_users_create_reads_password_stdin_and_links_a_volunteer(
    app: Flask, session: Session
) -> None:
    volunteer = factories.VolunteerFactory()
    session.commit()

    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--role",
            "volunteer",
            "--volunteer-id",
            str(volunteer.id),
            "--locale",
            "en",
            "--password-stdin",
            "li",
        ],
        input=f"{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    user = _user(session, "li")
    assert user is not None
    assert (user.role, user.volunteer_id, user.locale) == (Role.VOLUNTEER, volunteer.id, "en")
    assert check_password_hash(user.password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--role", "supervisor", "taken"], PASSWORD, "user 'taken' already exists"),
        (["--role", "supervisor", "new"], "short", "at least 10 characters"),
        (["--role", "janitor", "new"], PASSWORD, "'janitor' is not one of"),
    ],
)
def test_users_create_fails_with_a_message(
    app: Flask, session: Session, args: list[str], stdin: str, message: str
) -> None:
    factories.UserFactory(username="taken")
    session.commit()

    result = app.test_cli_runner().invoke(
        args=["users", "create", "--password-stdin", *args], input=f"{stdin}\n"
    )

    assert result.exit_code != 0
    assert message in result.output
    assert _user(session, "new") is None


def test_users_set_password(app: Flask, session: Session) -> None:
    factories.UserFactory(username="zhang")
    session.commit()

    result = app.test_cli_runner().invoke(
        args=["users", "set-password", "--password-stdin", "zhang"], input="brand new password\n"
    )

    assert result.exit_code == 0, result.output
    session.rollback()
    assert accounts.authenticate(session, "zhang", "brand new password") is not None
    assert accounts.authenticate(session, "zhang", factories.PASSWORD) is None


def test_password_hashes_are_werkzeug_compatible_both_ways() -> None:
    # Hashes stored before this module hashed with the standard library still verify.
    old = generate_password_hash("correct horse battery staple", method="scrypt")
    assert accounts.password_matches(old, "correct horse battery staple")
    assert not accounts.password_matches(old, "wrong horse battery staple")
    new = accounts.hash_password("correct horse battery staple")
    assert new.startswith("scrypt:32768:8:1$")
    assert check_password_hash(new, "correct horse battery staple")
    assert new != accounts.hash_password("correct horse battery staple")  # salted


@pytest.mark.parametrize(
    "junk", ["", "plain", "md5$x$y", "scrypt:a:b:c$salt$00", "scrypt:1:2$s$00"]
)
def test_a_stored_hash_that_is_not_ours_never_matches(junk: str) -> None:
    assert not accounts.password_matches(junk, "anything at all")
