"""Ticket photos in Chromium on a 390-px phone: a supervisor adds one on the ticket page and
sees both thumbnails loaded; the technician's link shows the photos without a login. Nothing
sticks out sideways. Screenshots: var/screenshots/photos-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import Role
from hotline.photos import PhotoLinks, accept_photo, attach_photo, photos_of
from tests import factories
from tests.browser.conftest import log_in, overflow_x, screenshot
from tests.factories import PASSWORD, UserFactory
from tests.helpers import PUBLIC_BASE_URL, configure
from tests.photos import images


@pytest.fixture
def recordings_dir(live_app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    directory = tmp_path / "recordings"
    configure(live_app, monkeypatch, recordings_dir=directory)
    return directory


def loaded_images(page: Page) -> list[int]:
    """The natural widths of the photo grid's images (0 for one that did not load)."""
    widths: list[int] = page.evaluate(
        "() => Array.from(document.querySelectorAll('.photo-grid img'), i => i.naturalWidth)"
    )
    return widths


def test_a_supervisor_adds_a_photo_and_a_technician_opens_the_link(
    phone: Page,
    live_url: str,
    live_app: Flask,
    session: Session,
    recordings_dir: Path,
    tmp_path: Path,
) -> None:
    UserFactory(username="wangfang", role=Role.SUPERVISOR, display_name="王芳")
    ticket = factories.TicketFactory(ref="5150", address="幸福路8号3单元")
    attach_photo(
        session,
        ticket,
        accept_photo(images.phone_jpeg(1200, 900), 10_000_000),
        directory=recordings_dir,
        added_by="resident",
    )
    session.commit()
    upload = tmp_path / "leak.jpg"
    upload.write_bytes(images.phone_jpeg(900, 1200, orientation=6))

    log_in(phone, live_url, "wangfang", PASSWORD)
    phone.goto(f"{live_url}/tickets/{ticket.number}#photos")
    phone.set_input_files(".photo-form input[type=file]", str(upload))
    with phone.expect_navigation():
        phone.locator(".photo-form button[type=submit]").click()
    phone.wait_for_load_state("networkidle")

    assert phone.locator(".flash").inner_text() == "照片已添加。"
    assert len(photos_of(session, ticket.id)) == 2
    phone.locator("#photos").scroll_into_view_if_needed()
    phone.wait_for_function(
        "() => Array.from(document.querySelectorAll('.photo-grid img')).every(i => i.complete)"
    )
    assert all(width > 0 for width in loaded_images(phone)) and len(loaded_images(phone)) == 2
    assert overflow_x(phone) == 0
    screenshot(phone, "photos-ticket")

    link = PhotoLinks.of(live_app.extensions["hotline.settings"]).url(ticket.id, utcnow())
    phone.context.clear_cookies()
    phone.goto(live_url + link.removeprefix(PUBLIC_BASE_URL))
    phone.wait_for_load_state("networkidle")
    assert phone.locator("h1").inner_text() == "工单 5150 的照片"
    assert loaded_images(phone) == [1200, 1200]  # both upright, landscape
    assert overflow_x(phone) == 0
    screenshot(phone, "photos-link")
