"""Signing in on a phone: the page is Chinese first, fits the screen, and leads to the tickets."""

from __future__ import annotations

from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.browser.conftest import log_in, overflow_x, screenshot
from tests.factories import PASSWORD, UserFactory


def test_supervisor_signs_in_on_a_phone_in_chinese(
    phone: Page, live_url: str, session: Session
) -> None:
    UserFactory(username="wangfang", role="supervisor")
    session.commit()

    phone.goto(f"{live_url}/login")
    assert phone.locator("html").get_attribute("lang", timeout=2000) in ("zh", "zh-Hans", "zh-CN")
    assert overflow_x(phone) == 0
    screenshot(phone, "login-phone")

    log_in(phone, live_url, "wangfang", PASSWORD)

    assert phone.url.rstrip("/") == live_url  # the home page (issue 10)
    phone.goto(f"{live_url}/tickets")
    assert "工单" in phone.title() + phone.inner_text("body")
    assert overflow_x(phone) == 0
    screenshot(phone, "tickets-phone")


def test_a_wrong_password_is_refused_in_chinese(
    phone: Page, live_url: str, session: Session
) -> None:
    UserFactory(username="lisi", role="supervisor")
    session.commit()

    log_in(phone, live_url, "lisi", "not-the-password")

    assert phone.url.endswith("/login")
    assert "用户名或密码" in phone.inner_text("body")
