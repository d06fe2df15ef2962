"""The home page in Chromium at phone (390 x 844) and desk sizes, for a supervisor and a
volunteer: nothing scrolls sideways, the charts fit; screenshots home-*.png. And the audit log
showing a login and a recording play made through the review page's audio route."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import CallOutcome, Role, SwapRequest, SwapStatus, Volunteer
from tests import factories
from tests.browser.conftest import DESK, PHONE, log_in, overflow_x, screenshot
from tests.factories import PASSWORD, UserFactory
from tests.review.conftest import stored_voicemail
from tests.rota.factories import OverrideFactory

SIZES = {"phone": PHONE, "desk": DESK}


def _seed(session: Session) -> Volunteer:
    now = utcnow()
    water = factories.CategoryFactory(code="home_water", name_zh="供水维修", name_en="Water")
    power = factories.CategoryFactory(code="home_power", name_zh="电力故障", name_en="Power")
    me = factories.VolunteerFactory(name="志愿者小李")
    other = factories.VolunteerFactory(name="志愿者老王")
    OverrideFactory(
        volunteer=other, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2)
    )
    OverrideFactory(
        volunteer=me, starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=10)
    )
    for minutes in (5, 25, 50, 70, 130):
        call = factories.CallFactory(
            started_at=now - timedelta(minutes=minutes),
            answered_by_id=me.id,
            outcome=CallOutcome.ANSWERED,
            from_number=f"+861380000{minutes:04d}",
        )
        factories.TicketFactory(
            call=call,
            category=water if minutes % 2 else power,
            created_at=call.started_at,
            due_at=call.started_at + timedelta(hours=1 if minutes > 60 else 72),
        )
    session.add(
        SwapRequest(
            offered_by_id=other.id,
            starts_at=now + timedelta(days=2),
            ends_at=now + timedelta(days=2, hours=8),
            status=SwapStatus.OFFERED,
        )
    )
    return me


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_the_supervisors_home_fits_the_screen(
    browser: Browser, live_url: str, session: Session, size: str
) -> None:
    _seed(session)
    UserFactory(username="home_sup", role=Role.SUPERVISOR)
    session.commit()
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN")  # type: ignore[arg-type]
    page = context.new_page()
    try:
        log_in(page, live_url, "home_sup", PASSWORD)
        assert page.url.rstrip("/") == live_url
        body = page.inner_text("body")
        assert "今日来电" in body and "当前值班" in body and "志愿者老王" in body
        assert "志愿者小李" in body  # next on duty
        assert page.locator("#chart-hours rect.bar").count() == 24
        assert page.locator("#chart-categories rect.bar").count() == 2
        # The charts fit inside the screen.
        width = page.viewport_size["width"] if page.viewport_size else 0
        for chart in ("#chart-hours", "#chart-categories"):
            box = page.locator(chart).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert overflow_x(page) == 0
        screenshot(page, f"home-supervisor-{size}")
    finally:
        context.close()


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_the_volunteers_home_fits_the_screen(
    browser: Browser, live_url: str, session: Session, size: str
) -> None:
    me = _seed(session)
    UserFactory(username="home_vol", role=Role.VOLUNTEER, volunteer_id=me.id)
    session.commit()
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN")  # type: ignore[arg-type]
    page = context.new_page()
    try:
        log_in(page, live_url, "home_vol", PASSWORD)
        body = page.inner_text("body")
        assert "我的下一个班次" in body and "可接的换班" in body and "志愿者老王" in body
        assert page.locator("#home-my-calls li").count() == 5
        assert "+8613800000005" in body  # a call they took: the number whole
        assert page.locator("#chart-hours").count() == 0
        assert overflow_x(page) == 0
        screenshot(page, f"home-volunteer-{size}")
    finally:
        context.close()


def test_the_audit_log_shows_a_login_and_a_recording_play(
    desk: Page, live_url: str, live_app: Flask, session: Session
) -> None:
    recordings_dir = live_app.extensions["hotline.settings"].recordings_dir
    recording, _ticket = stored_voicemail(recordings_dir)
    UserFactory(username="auditor", role=Role.ADMIN)
    session.commit()

    log_in(desk, live_url, "auditor", PASSWORD)
    # Play it as the player does: the review page's audio route (audited on its first request).
    played = desk.request.get(f"{live_url}/review/{recording.id}/audio")
    assert played.status == 200 and played.headers["content-type"].startswith("audio/")

    desk.goto(f"{live_url}/audit")
    rows = desk.locator("tbody tr")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert any(
        "播放录音" in t and f"recording:{recording.id}" in t and "auditor" in t for t in texts
    )
    assert any("登录" in t and "登录失败" not in t and "auditor" in t for t in texts)
    assert "127.0.0.1" in desk.inner_text("tbody")

    desk.goto(f"{live_url}/audit?action=recording.play")
    assert desk.locator("tbody tr").count() == 1
    screenshot(desk, "audit-desk")
