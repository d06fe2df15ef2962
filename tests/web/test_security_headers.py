"""Security headers on every response; templates the Content-Security-Policy would break."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.models import User
from tests import factories
from tests.helpers import log_in

TEMPLATES = Path(__file__).resolve().parents[2] / "hotline" / "templates"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
HSTS = "max-age=31536000"
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def assert_page_headers(response: TestResponse, https: bool) -> None:
    for name, value in PAGE_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert response.headers.get("Strict-Transport-Security") == (HSTS if https else None)


@pytest.fixture(params=["https://hotline.example.org", "http://127.0.0.1:5000"])
def base_url(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def web(make_app: Callable[..., Flask], session: Session, base_url: str) -> FlaskClient:
    """A client of an app served at `base_url` (after `session`, whose app is the other one)."""
    return make_app(public_base_url=base_url).test_client()


def test_the_login_page_sends_the_security_headers(web: FlaskClient, base_url: str) -> None:
    response = web.get("/login")

    assert response.status_code == 200
    assert_page_headers(response, base_url.startswith("https://"))


@pytest.mark.parametrize("path", ["/tickets", "/calls", "/rota/", "/rota/coverage", "/nowhere"])
def test_signed_in_pages_send_the_security_headers(
    web: FlaskClient, session: Session, base_url: str, path: str
) -> None:
    factories.UserFactory(username="zhang")
    session.commit()
    login = log_in(web, "zhang")
    assert login.status_code == 302
    assert_page_headers(login, base_url.startswith("https://"))

    response = web.get(path)

    assert response.status_code == (404 if path == "/nowhere" else 200)
    assert_page_headers(response, base_url.startswith("https://"))


def test_redirects_to_the_login_page_send_the_security_headers(client: FlaskClient) -> None:
    response = client.get("/tickets")

    assert response.status_code == 302
    assert_page_headers(response, https=True)


def test_webhooks_send_the_neutral_headers(twilio_post: Callable[..., TestResponse]) -> None:
    response = twilio_post("/voice/status", {"CallSid": "CA" + "1" * 32, "CallStatus": "ringing"})

    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_stylesheets_keep_their_own_caching(
    client: FlaskClient, sign_in: Callable[..., User]
) -> None:
    sign_in()

    response = client.get("/static/dashboard.css")

    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in response.headers.get("Cache-Control", "")


# What script-src 'self' and style-src 'self' refuse: inline scripts, styles and handlers.
INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_templates_have_nothing_inline_the_policy_would_block(template: Path) -> None:
    html = template.read_text(encoding="utf-8")

    found = [what for what, pattern in INLINE.items() if pattern.search(html)]

    assert found == []
