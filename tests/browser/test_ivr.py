"""The phone menu's page in Chromium, on a 390-px phone and a desk: the picture is drawn and
fits, every prompt is readable, nothing scrolls sideways. Screenshots in var/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.browser.conftest import log_in, overflow_x, screenshot
from tests.factories import PASSWORD, UserFactory


@pytest.mark.parametrize(("screen", "width"), [("phone", 390), ("desk", 1280)])
def test_the_phone_menu_page_shows_the_picture_and_fits_the_screen(
    request: pytest.FixtureRequest, live_url: str, session: Session, screen: str, width: int
) -> None:
    page: Page = request.getfixturevalue(screen)
    UserFactory(username="ivr-lead", role="supervisor")
    session.commit()
    log_in(page, live_url, "ivr-lead", PASSWORD)

    page.goto(f"{live_url}/ivr/")
    page.wait_for_function("() => document.querySelector('.ivr-picture img').naturalWidth > 0")

    screenshot(page, f"ivr-{screen}")
    assert overflow_x(page) == 0
    box = page.locator(".ivr-picture img").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert box["height"] > 100  # drawn, not collapsed
    assert "电话菜单" in page.inner_text("h1")
    assert "检查未发现需要修改的问题" in page.inner_text("#ivr-findings")
