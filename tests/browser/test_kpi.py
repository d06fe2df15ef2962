"""The KPI page on a 390-px phone, in Chromium: the charts fit the screen, nothing scrolls
sideways but the tables inside their own frames. Screenshots in var/screenshots/."""

from __future__ import annotations

from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.browser.conftest import log_in, overflow_x, screenshot
from tests.factories import PASSWORD, UserFactory
from tests.kpi.conftest import november


def test_the_kpi_page_fits_a_phone(phone: Page, live_url: str, session: Session) -> None:
    november(session)
    UserFactory(username="kpi-lead", role="supervisor")
    session.commit()
    log_in(phone, live_url, "kpi-lead", PASSWORD)

    phone.goto(f"{live_url}/kpi/?kind=month&day=2026-11-17")

    screenshot(phone, "kpi-phone")
    assert overflow_x(phone) == 0
    for chart in ("chart-share", "chart-backlog", "chart-communities"):
        box = phone.locator(f"#{chart}").bounding_box()
        assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= 390
        assert box["height"] > 50  # drawn, not collapsed
    assert "考核" in phone.inner_text("h1")
