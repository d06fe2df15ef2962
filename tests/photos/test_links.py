"""The technician's link: names one ticket, works until it expires, and cannot be forged."""

from __future__ import annotations

from datetime import timedelta

from hotline.db import utcnow
from hotline.photos import PhotoLinks

LINKS = PhotoLinks("secret", "https://hotline.example.cn", timedelta(hours=72))


def test_a_link_names_its_ticket_until_it_expires() -> None:
    now = utcnow()
    url = LINKS.url(42, now)
    token = url.removeprefix("https://hotline.example.cn/p/")
    assert url.startswith("https://hotline.example.cn/p/") and "/" not in token

    assert LINKS.ticket_id(token, now) == 42
    assert LINKS.ticket_id(token, now + timedelta(hours=71, minutes=59)) == 42
    assert LINKS.ticket_id(token, now + timedelta(hours=72)) is None


def test_a_changed_ticket_id_or_another_secret_is_refused() -> None:
    now = utcnow()
    token = LINKS.token(42, now)
    forged = "43" + token.removeprefix("42")
    assert LINKS.ticket_id(forged, now) is None
    other = PhotoLinks("other secret", LINKS.base_url, LINKS.lifetime)
    assert other.ticket_id(token, now) is None
    assert other.ticket_id(other.token(42, now), now) == 42


def test_junk_tokens_are_refused() -> None:
    now = utcnow()
    for junk in ("", "42", "42.1.x", "x" * 500, LINKS.token(42, now) + "x"):
        assert LINKS.ticket_id(junk, now) is None
