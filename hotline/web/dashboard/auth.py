"""Who is signed in, what they may see, and where it is safe to send them after logging in."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_login import login_required as _login_required
from sqlalchemy.orm import Session

from hotline import accounts
from hotline.models import Role, User
from hotline.review import Scope

P = ParamSpec("P")
R = TypeVar("R")


def session_id(user: User) -> str:
    """What Flask-Login keeps in the session cookie: the user's id and a fingerprint of the
    password hash, so a new password ends every session opened with the old one.

    Keyed with the app's secret key, so the cookie reveals nothing about the hash.
    """
    secret = current_app.config["SECRET_KEY"]
    key = secret.encode() if isinstance(secret, str) else secret
    message = f"hotline-session:{user.id}:{user.password_hash}".encode()
    fingerprint = hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
    return f"{user.id}:{fingerprint}"


def load_user(session: Session, cookie_id: str) -> LoginUser | None:
    """The signed-in user a session cookie names, if still active and on the same password."""
    user_id, _, _fingerprint = cookie_id.partition(":")
    user = accounts.active_user(session, int(user_id)) if user_id.isdecimal() else None
    if user is None or not hmac.compare_digest(session_id(user).encode(), cookie_id.encode()):
        return None
    return LoginUser.of(user)


@dataclass(frozen=True)
class LoginUser:
    """The signed-in user as Flask-Login sees it: a detached copy, so models stay flask-free."""

    id: int
    username: str
    display_name: str
    role: Role
    volunteer_id: int | None
    locale: str | None
    session_id: str

    # Flask-Login's protocol. Only active users are ever loaded (accounts.active_user).
    is_authenticated = True
    is_active = True
    is_anonymous = False

    @classmethod
    def of(cls, user: User) -> LoginUser:
        """Copy what the dashboard needs from a User row."""
        return cls(
            user.id,
            user.username,
            user.display_name,
            user.role,
            user.volunteer_id,
            user.locale,
            session_id(user),
        )

    def get_id(self) -> str:
        """Flask-Login's alternative token: the id plus the password fingerprint (session_id)."""
        return self.session_id

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
