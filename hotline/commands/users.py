"""`flask users`: dashboard logins."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from hotline import accounts
from hotline.extensions import db_session
from hotline.models import Role

# AppGroup, not click.Group: its commands push an app context themselves, so they also run
# under app.test_cli_runner(), which does not go through the `flask` command's FlaskGroup.
group = AppGroup("users", help="Dashboard logins.")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        # One line, so `printf '%s\n' "$PW" | flask users create ...` works in scripts.
        return sys.stdin.readline().rstrip("\r\n")
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@group.command("create")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    required=True,
    help="admin, supervisor or volunteer.",
)
@click.option("--display-name", default="", help="Name shown in the dashboard header.")
@click.option(
    "--locale", type=click.Choice(accounts.LOCALES), default=None, help="Dashboard language."
)
@click.option(
    "--volunteer-id",
    type=int,
    default=None,
    help="The Volunteer a volunteer login belongs to (its calls are what it sees).",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(
    username: str,
    role: str,
    display_name: str,
    locale: str | None,
    volunteer_id: int | None,
    password_stdin: bool,
) -> None:
    """Create the login USERNAME, asking for its password twice."""
    password = _password(password_stdin)
    session = db_session()
    try:
        user = accounts.create_user(
            session,
            username,
            password,
            Role(role),
            display_name=display_name,
            locale=locale,
            volunteer_id=volunteer_id,
        )
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(f"created {user.role.value} {user.username}")
    if user.role is Role.VOLUNTEER and user.volunteer_id is None:
        click.echo("note: not linked to a volunteer (--volunteer-id), so it sees no calls")


@group.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password(username: str, password_stdin: bool) -> None:
    """Give USERNAME a new password, asking for it twice."""
    password = _password(password_stdin)
    session = db_session()
    try:
        user = accounts.set_password(session, username, password)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(f"password changed for {user.username}")
