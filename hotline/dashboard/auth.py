"""Who is signed in, what they may see, and where it is safe to send them after logging in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import abort
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_login import login_required as _login_required

from hotline.models import Role, User
from hotline.review import Scope

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class LoginUser:
    """The signed-in user as Flask-Login sees it: a detached copy, so models stay flask-free."""

    id: int
    username: str
    display_name: str
    role: Role
    volunteer_id: int | None
    locale: str | None

    # Flask-Login's protocol. Only active users are ever loaded (accounts.active_user).
    is_authenticated = True
    is_active = True
    is_anonymous = False

    @classmethod
    def of(cls, user: User) -> LoginUser:
        """Copy what the dashboard needs from a User row."""
        return cls(
            user.id, user.username, user.display_name, user.role, user.volunteer_id, user.locale
        )

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session cookie."""
        return str(self.id)

    @property
    def scope(self) -> Scope:
        """The calls and tickets this user may see."""
        return Scope.for_user(self.role, self.volunteer_id)


def signed_in() -> LoginUser:
    """The signed-in user; 401 if nobody is (views are behind login_required anyway)."""
    user = current_user._get_current_object()
    if not isinstance(user, LoginUser):
        abort(401)
    return user


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Flask-Login's login_required, typed: anonymous users are sent to the login page."""
    guarded: Callable[P, R] = _login_required(view)
    return guarded


def scoped(
    view: Callable[Concatenate[Scope, P], ResponseReturnValue],
) -> Callable[P, ResponseReturnValue]:
    """Require a login and pass the view the user's scope: all calls, or a volunteer's own."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        return view(signed_in().scope, *args, **kwargs)

    return login_required(wrapper)


def safe_next(target: str | None, fallback: str) -> str:
    """`target` if it is a path on this site, else `fallback`: no open redirects."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        # Browsers read "/\evil.example" as "//evil.example", and strip control characters.
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target
