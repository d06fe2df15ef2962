"""Helpers for the dashboard tests: logging in, reading a page, its CSRF token."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests import factories


def log_in(
    client: FlaskClient,
    username: str,
    password: str = factories.PASSWORD,
    address: str | None = None,
) -> TestResponse:
    """POST the login form, from `address` (REMOTE_ADDR) when given."""
    environ = {"REMOTE_ADDR": address} if address else {}
    return client.post(
        "/login", data={"username": username, "password": password}, environ_base=environ
    )


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)
