"""Administration on a phone (390 x 844): add a community and a volunteer in it, then give a
login to that volunteer chosen by name; no page scrolls sideways."""

from __future__ import annotations

from playwright.sync_api import Page
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import tickets
from hotline.models import Community, Role, User, Volunteer
from tests.browser.conftest import log_in, overflow_x, screenshot
from tests.factories import PASSWORD, UserFactory


def test_an_admin_adds_a_community_a_volunteer_and_links_a_login_on_a_phone(
    phone: Page, live_url: str, session: Session
) -> None:
    UserFactory(username="admin1", role=Role.ADMIN)
    login = UserFactory(username="wangfang", role=Role.VOLUNTEER)
    session.commit()
    log_in(phone, live_url, "admin1", PASSWORD)

    phone.goto(f"{live_url}/admin/communities")
    phone.fill("input[name=code]", "dongcheng")
    phone.fill("input[name=name]", "东城社区")
    with phone.expect_navigation():
        phone.click("form.card button[type=submit], section.card button[type=submit]")
    assert "东城社区" in phone.inner_text("main")
    assert overflow_x(phone) == 0
    screenshot(phone, "admin-communities-phone")

    phone.goto(f"{live_url}/admin/volunteers/new")
    phone.fill("input[name=name]", "王芳")
    phone.fill("input[name=mobile]", "13800000001")
    phone.select_option("select[name=community]", label="东城社区")
    with phone.expect_navigation():
        phone.click("main form button[type=submit]")
    assert "王芳" in phone.inner_text("main")
    assert overflow_x(phone) == 0
    screenshot(phone, "admin-volunteers-phone")

    phone.goto(f"{live_url}/admin/users/{login.id}")
    picker = phone.locator("input[name=volunteer]")
    picker.fill("王")
    # The type-ahead offers 王芳 with her id; choosing it fills "王芳 #id".
    phone.wait_for_function(
        "() => document.querySelectorAll('datalist option').length > 0", timeout=5000
    )
    volunteer = session.scalars(select(Volunteer).where(Volunteer.name == "王芳")).one()
    picker.fill(f"王芳 #{volunteer.id}")
    assert overflow_x(phone) == 0
    screenshot(phone, "admin-user-phone")
    with phone.expect_navigation():
        phone.click("main form.card button[type=submit] >> nth=0")

    assert "wangfang" in phone.inner_text("main")
    assert overflow_x(phone) == 0
    screenshot(phone, "admin-users-phone")
    session.expire_all()
    assert session.get(User, login.id).volunteer_id == volunteer.id  # type: ignore[union-attr]
    community = session.scalars(select(Community).where(Community.code == "dongcheng")).one()
    assert volunteer.community_id == community.id

    # The categories' nine columns become cards too.
    tickets.ensure_categories(session)
    session.commit()
    phone.goto(f"{live_url}/admin/categories")
    assert "紧急开锁" in phone.inner_text("main") and "语音菜单 main" in phone.inner_text("main")
    assert overflow_x(phone) == 0
    screenshot(phone, "admin-categories-phone")
