"""The dashboard's header in Chromium: on a 390 x 844 phone the navigation folds behind a menu
button (no script: a checkbox and its label), at a desk it shows whole; screenshots header-*.png."""

from __future__ import annotations

from playwright.sync_api import Page
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import RecordingStatus, Role
from tests import factories
from tests.browser.conftest import log_in, overflow_x, screenshot
from tests.factories import PASSWORD, UserFactory


def _tickets_as_a_supervisor(page: Page, live_url: str, session: Session) -> None:
    """Sign a new supervisor in (what the test added so far committed) and open /tickets."""
    UserFactory(username="header_sup", role=Role.SUPERVISOR)
    session.commit()
    log_in(page, live_url, "header_sup", PASSWORD)
    page.goto(f"{live_url}/tickets")


def _header_height(page: Page) -> float:
    box = page.locator("header.site-header").bounding_box()
    assert box is not None
    return box["height"]


def test_a_supervisors_navigation_folds_behind_a_menu_button_on_a_phone(
    phone: Page, live_url: str, session: Session
) -> None:
    _tickets_as_a_supervisor(phone, live_url, session)
    screenshot(phone, "header-phone-closed")

    assert _header_height(phone) < 90
    assert overflow_x(phone) == 0
    tickets = phone.locator("header nav a", has_text="工单").first
    assert not tickets.is_visible()
    assert not phone.get_by_role("button", name="退出登录").is_visible()

    phone.get_by_text("菜单", exact=True).click()
    screenshot(phone, "header-phone-open")

    assert tickets.is_visible()
    assert phone.get_by_role("button", name="退出登录").is_visible()
    assert overflow_x(phone) == 0
    with phone.expect_navigation():
        tickets.click()
    assert phone.url.endswith("/tickets")


def test_at_a_desk_the_navigation_shows_without_a_menu_button(
    desk: Page, live_url: str, session: Session
) -> None:
    _tickets_as_a_supervisor(desk, live_url, session)

    assert desk.locator("header nav a", has_text="工单").first.is_visible()
    assert desk.get_by_role("button", name="退出登录").is_visible()
    assert not desk.get_by_text("菜单", exact=True).is_visible()
    assert _header_height(desk) < 90


def test_the_folded_header_keeps_the_late_tickets_and_review_badges_in_sight(
    phone: Page, live_url: str, session: Session
) -> None:
    factories.TicketFactory(sla_warned_at=utcnow(), sla_breached_at=utcnow())
    factories.RecordingFactory(status=RecordingStatus.TRANSCRIBED)
    _tickets_as_a_supervisor(phone, live_url, session)
    screenshot(phone, "header-phone-alerts")

    assert phone.locator("#sla-breached").is_visible()
    assert phone.locator("#review-unreviewed").is_visible()
    assert not phone.locator("header nav a", has_text="工单").first.is_visible()
    assert _header_height(phone) < 90
    assert overflow_x(phone) == 0
