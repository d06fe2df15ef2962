"""Dashboard accounts: creating users, checking passwords, changing them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Role, User, Volunteer
from hotline.refusal import N_, Refused

# Shorter passwords fall to offline guessing too quickly if a database backup leaks.
MIN_PASSWORD_LENGTH = 10
LOCALES = ("zh", "en")
# scrypt's cost (n, r, p): about 50 ms and 32 MiB a check. Hashes are stored the way werkzeug
# writes them (scrypt:n:r:p$salt$hex), so hashes made before keep verifying.
SCRYPT_COST = (2**15, 8, 1)
_SALT_CHARS = string.ascii_letters + string.digits


class AccountError(Refused):
    """A user cannot be created or changed as asked; the message says why (in English as
    str(error); pages translate `message` with `params`)."""


def normalize_username(username: str) -> str:
    """Usernames are compared trimmed and case-insensitively."""
    return username.strip().lower()


def _scrypt(password: str, salt: str, n: int, r: int, p: int) -> str:
    # OpenSSL refuses to use more memory than maxmem: scrypt needs 128*r*(n+p+2) bytes.
    memory = 128 * r * (n + p + 2) + 2**20
    key = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=memory)
    return key.hex()


def hash_password(password: str, cost: tuple[int, int, int] = SCRYPT_COST) -> str:
    """A salted scrypt hash of `password`, as `scrypt:n:r:p$salt$hex` (tests pass a tiny cost)."""
    n, r, p = cost
    salt = "".join(secrets.choice(_SALT_CHARS) for _ in range(16))
    return f"scrypt:{n}:{r}:{p}${salt}${_scrypt(password, salt, n, r, p)}"


def password_matches(stored: str, password: str) -> bool:
    """True if `password` hashes to `stored` (a hash_password result); False for junk."""
    method, _, rest = stored.partition("$")
    salt, _, expected = rest.partition("$")
    name, *cost = method.split(":")
    if name != "scrypt" or len(cost) != 3 or not all(c.isdigit() for c in cost) or not expected:
        return False
    n, r, p = map(int, cost)
    return hmac.compare_digest(_scrypt(password, salt, n, r, p), expected)


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            N_("password must have at least %(n)s characters"), n=MIN_PASSWORD_LENGTH
        )
    return hash_password(password)


@cache
def _decoy_hash() -> str:
    # Checked against when the username is unknown, so a miss costs as long as a wrong password
    # and response times do not reveal which usernames exist.
    return hash_password("decoy password, never valid")


def check_locale(locale: str | None) -> None:
    """Refuse a dashboard language other than LOCALES (None: the browser's)."""
    if locale is not None and locale not in LOCALES:
        raise AccountError(N_("locale must be one of %(locales)s"), locales=", ".join(LOCALES))


def find_user(session: Session, username: str) -> User | None:
    """The user with this username, whatever its case."""
    return session.scalars(
        select(User).where(User.username == normalize_username(username))
    ).one_or_none()


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role,
    *,
    display_name: str = "",
    locale: str | None = None,
    volunteer_id: int | None = None,
) -> User:
    """Add a user with a hashed password; a volunteer login may be linked to its Volunteer."""
    name = normalize_username(username)
    if not name:
        raise AccountError(N_("username must not be empty"))
    if find_user(session, name) is not None:
        raise AccountError(N_("user '%(name)s' already exists"), name=name)
    check_locale(locale)
    if volunteer_id is not None and session.get(Volunteer, volunteer_id) is None:
        raise AccountError(N_("no volunteer with id %(id)s"), id=volunteer_id)
    user = User(
        username=name,
        password_hash=_hash(password),
        role=role,
        display_name=display_name.strip(),
        locale=locale,
        volunteer_id=volunteer_id,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, username: str, password: str) -> User:
    """Replace a user's password."""
    user = find_user(session, username)
    if user is None:
        raise AccountError(N_("no user '%(name)s'"), name=normalize_username(username))
    user.password_hash = _hash(password)
    session.flush()
    return user


def set_locale(session: Session, user_id: int, locale: str) -> None:
    """Remember the dashboard language a user chose."""
    check_locale(locale)
    user = session.get(User, user_id)
    if user is not None:
        user.locale = locale
        session.flush()


def active_user(session: Session, user_id: int) -> User | None:
    """The user with this id if still active, so a deactivated user's open sessions end."""
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password; None for anything else."""
    user = find_user(session, username)
    if user is None:
        password_matches(_decoy_hash(), password)
        return None
    if not password_matches(user.password_hash, password) or not user.active:
        return None
    return user
