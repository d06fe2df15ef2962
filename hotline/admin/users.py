"""Dashboard logins, administered: create, change role, name, language and volunteer, reset a
password, disable and enable. The pages (/admin/users) and `flask users` call these, so both
keep the same rules and audit every change the same way."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from hotline import accounts
from hotline.admin.changes import AdminError, Editor, changes, record
from hotline.audit import Action
from hotline.models import Role, User
from hotline.refusal import N_
from hotline.rota.people import label_of, resolve_volunteers

DISPLAY_NAME_CHARS = 100


@dataclass(frozen=True)
class UserData:
    """What the user form (or the command line) says about a login, besides its password.
    `volunteer` names the volunteer it belongs to as a person picker fills it ("王芳 #12"),
    or by name or mobile ("" for none): see hotline.rota.people."""

    role: Role
    display_name: str = ""
    locale: str | None = None
    volunteer: str = ""


def target(user: User) -> str:
    """How the audit log names a user."""
    return f"user:{user.id}"


def list_users(session: Session) -> list[User]:
    """Every login, active first, then by username, with its volunteer."""
    return list(
        session.scalars(
            select(User)
            .options(joinedload(User.volunteer))
            .order_by(User.active.desc(), User.username)
        )
    )


def get_user(session: Session, user_id: int) -> User:
    """The user with this id; AdminError if there is none."""
    user = session.get(User, user_id)
    if user is None:
        raise AdminError(N_("no such user"))
    return user


def _values(user: User) -> dict[str, object]:
    volunteer = user.volunteer
    return {
        "role": user.role.value,
        "display_name": user.display_name,
        "locale": user.locale,
        "volunteer": f"{volunteer.name} (#{volunteer.id})" if volunteer is not None else None,
    }


def _check(session: Session, data: UserData) -> tuple[str, int | None]:
    """The display name and the linked volunteer's id; refusals as AdminError or RotaError."""
    name = " ".join(data.display_name.split())
    if len(name) > DISPLAY_NAME_CHARS:
        raise AdminError(N_("the name is longer than %(n)s characters"), n=DISPLAY_NAME_CHARS)
    accounts.check_locale(data.locale)
    text = data.volunteer.strip()
    return name, resolve_volunteers(session, [text])[0] if text else None


def volunteer_text(user: User) -> str:
    """A user's linked volunteer as the form shows it (a pick), "" for none."""
    return label_of(user.volunteer) if user.volunteer is not None else ""


def create_user(
    session: Session, editor: Editor, username: str, password: str, data: UserData
) -> User:
    """Add a login (accounts.create_user's rules: a unique name, a long enough password)."""
    name, volunteer_id = _check(session, data)
    user = accounts.create_user(
        session,
        username,
        password,
        data.role,
        display_name=name,
        locale=data.locale,
        volunteer_id=volunteer_id,
    )
    session.refresh(user, ["volunteer"])
    record(session, editor, Action.USER_CREATE, target(user), changes({}, _values(user)))
    return user


def _admins_left(session: Session, without: User) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.id != without.id)
        )
        or 0
    )


def _keep_an_admin(session: Session, editor: Editor, user: User) -> None:
    """Refuse a change that leaves no active administrator, or locks the editor out."""
    if user.id == editor.user_id:
        raise AdminError(N_("you cannot disable or demote your own login"))
    if user.role is Role.ADMIN and user.active and _admins_left(session, user) == 0:
        raise AdminError(N_("%(name)s is the last active administrator"), name=user.username)


def update_user(session: Session, editor: Editor, user_id: int, data: UserData) -> User:
    """Change a login's role, name, language or linked volunteer."""
    user = get_user(session, user_id)
    name, volunteer_id = _check(session, data)
    if data.role is not user.role and user.role is Role.ADMIN:
        _keep_an_admin(session, editor, user)
    before = _values(user)
    user.role = data.role
    user.display_name = name
    user.locale = data.locale
    user.volunteer_id = volunteer_id
    session.flush()
    session.refresh(user, ["volunteer"])
    detail = changes(before, _values(user))
    if detail:
        record(session, editor, Action.USER_EDIT, target(user), detail)
    return user


def reset_password(session: Session, editor: Editor, user_id: int, password: str) -> User:
    """Give a login a new password; its open sessions end (their ids hash the old one)."""
    user = accounts.set_password(session, get_user(session, user_id).username, password)
    record(session, editor, Action.USER_RESET, target(user))
    return user


def set_active(session: Session, editor: Editor, user_id: int, active: bool) -> User:
    """Disable a login (it can no longer log in, and its sessions end) or enable it again."""
    user = get_user(session, user_id)
    if user.active == active:
        return user
    if not active:
        _keep_an_admin(session, editor, user)
    user.active = active
    session.flush()
    record(session, editor, Action.USER_ENABLE if active else Action.USER_DISABLE, target(user))
    return user
