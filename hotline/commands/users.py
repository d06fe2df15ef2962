"""`flask users`: dashboard logins. The same domain functions as the administration pages
(hotline.admin), so the same rules hold and every change is audited, as `cli:<login>`."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import TypeVar

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from hotline import accounts, admin
from hotline.extensions import db_session
from hotline.models import Role, User
from hotline.refusal import N_, Refused

# AppGroup, not click.Group: its commands push an app context themselves, so they also run
# under app.test_cli_runner(), which does not go through the `flask` command's FlaskGroup.
group = AppGroup("users", help="Dashboard logins.")


T = TypeVar("T")
ROLES = click.Choice([role.value for role in Role])


def _editor() -> admin.Editor:
    return admin.Editor(None, f"{admin.CLI}:{getpass.getuser()}")


def _change(change: Callable[[Session, admin.Editor], T]) -> T:
    """Run one change and commit it; a refusal is the command's error message."""
    session = db_session()
    try:
        done = change(session, _editor())
    except Refused as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    session.commit()
    return done


def _user_id(session: Session, username: str) -> int:
    user = accounts.find_user(session, username)
    if user is None:
        raise admin.AdminError(N_("no user '%(name)s'"), name=accounts.normalize_username(username))
    return user.id


def _password(from_stdin: bool) -> str:
    if from_stdin:
        # One line, so `printf '%s\n' "$PW" | flask users create ...` works in scripts.
        return sys.stdin.readline().rstrip("\r\n")
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@group.command("create")
@click.argument("username")
@click.option("--role", type=ROLES, required=True, help="admin, supervisor or volunteer.")
@click.option(
    "--name",
    "--display-name",
    "display_name",
    default="",
    help="The person's name, shown in the users list and the dashboard header.",
)
@click.option(
    "--locale", type=click.Choice(accounts.LOCALES), default=None, help="Dashboard language."
)
@click.option(
    "--volunteer",
    default="",
    help="The volunteer a volunteer login belongs to: a name, a mobile or #id.",
)
@click.option("--volunteer-id", type=int, default=None, help="The same, by the volunteer's id.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(
    username: str,
    role: str,
    display_name: str,
    locale: str | None,
    volunteer: str,
    volunteer_id: int | None,
    password_stdin: bool,
) -> None:
    """Create the login USERNAME, asking for its password twice."""
    password = _password(password_stdin)
    data = admin.UserData(
        Role(role),
        display_name,
        locale,
        f"#{volunteer_id}" if volunteer_id is not None else volunteer,
    )
    user = _change(lambda session, by: admin.create_user(session, by, username, password, data))
    click.echo(f"created {user.role.value} {user.username}")
    if user.role is Role.VOLUNTEER and user.volunteer_id is None:
        click.echo("note: not linked to a volunteer (--volunteer), so it sees no calls")


@group.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password(username: str, password_stdin: bool) -> None:
    """Give USERNAME a new password, asking for it twice; its open sessions end."""
    password = _password(password_stdin)
    user = _change(
        lambda session, by: admin.reset_password(session, by, _user_id(session, username), password)
    )
    click.echo(f"password changed for {user.username}")


def _set_active(username: str, active: bool) -> User:
    return _change(
        lambda session, by: admin.set_active(session, by, _user_id(session, username), active)
    )


@group.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable USERNAME: it can no longer log in, and its open sessions end."""
    click.echo(f"disabled {_set_active(username, False).username}")


@group.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Let a disabled USERNAME log in again."""
    click.echo(f"enabled {_set_active(username, True).username}")


@group.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLES)
@click.option("--volunteer", default=None, help="Link to this volunteer (name, mobile or #id).")
def set_role(username: str, role: str, volunteer: str | None) -> None:
    """Change USERNAME's ROLE (and its volunteer), keeping its name and language."""

    def change(session: Session, by: admin.Editor) -> User:
        user = admin.get_user(session, _user_id(session, username))
        data = admin.UserData(
            Role(role),
            user.display_name,
            user.locale,
            admin.volunteer_text(user) if volunteer is None else volunteer,
        )
        return admin.update_user(session, by, user.id, data)

    user = _change(change)
    linked = f", volunteer {user.volunteer.name}" if user.volunteer is not None else ""
    click.echo(f"{user.username} is now {user.role.value}{linked}")
