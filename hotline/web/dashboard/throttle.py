"""Login throttling: failed logins counted per account and per client address (Flask-Limiter).

Only failures count (a wrong password, an unknown or deactivated user): the view marks them with
count_failure(), and the limiter adds them after the response. Once a count is full, further
logins are refused with 429 before any password is checked, the right one included, until the
window that started with the first counted failure ends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, g, request

from hotline.accounts import normalize_username
from hotline.extensions import limiter

P = ParamSpec("P")
R = TypeVar("R")

WINDOW_MINUTES = 15
# Per account: a guesser spread over many addresses still gets 5 tries per window. Per address:
# an office behind one NAT has several supervisors, each allowed a few typos.
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20


def storage_uri(broker_url: str) -> str:
    """Where the counts live: the broker's Redis, so every web process shares them, else memory
    (per process: a SQLite or AMQP broker cannot hold them)."""
    return broker_url if urlsplit(broker_url).scheme in ("redis", "rediss") else "memory://"


def init_throttling(app: Flask, broker_url: str) -> None:
    """Attach the limiter, storing its counts as storage_uri() says (no I/O until a login)."""
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(broker_url)
    limiter.init_app(app)


def count_failure() -> None:
    """Count this login request as a failed attempt, against its account and address."""
    g.login_failed = True


def _failed(_response: Response) -> bool:
    return bool(g.get("login_failed", False))


def _account() -> str:
    # Counted as accounts compares usernames; an empty key skips the limit (no username given).
    # Cut to the longest valid username: the key is stored, whatever was posted.
    name = normalize_username(request.form.get("username", ""))[:64]
    return f"account:{name}" if name else ""


def _address() -> str:
    # remote_addr, not X-Forwarded-For: the app runs no ProxyFix, so that header is the
    # client's to forge.
    return f"address:{request.remote_addr or 'unknown'}"


@limiter.request_filter
def _unlimited() -> bool:
    # Only the dashboard's and the public page's POSTs carry limits: spare every other request
    # the limiter's lookups (about 20 of its 50 us per request; the carrier's webhooks are a
    # hot path).
    return request.method != "POST" or request.blueprint not in ("dashboard", "online")


def throttled(view: Callable[P, R]) -> Callable[P, R]:
    """Refuse the view's POSTs while the account or the address has too many failures."""
    for failures, key in ((ACCOUNT_FAILURES, _account), (ADDRESS_FAILURES, _address)):
        view = limiter.limit(
            f"{failures} per {WINDOW_MINUTES} minutes",
            key_func=key,
            methods=["POST"],
            deduct_when=_failed,
        )(view)
    return view
