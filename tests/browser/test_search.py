"""The search page in Chromium on a phone and a desk: the match is marked, resident markup
stays text, nothing sticks out of a 390-px screen. Screenshots go to var/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.browser.conftest import log_in, overflow_x, screenshot
from tests.factories import PASSWORD, UserFactory
from tests.search.conftest import voicemail


@pytest.mark.parametrize("screen", ["phone", "desk"])
def test_a_chinese_phrase_is_found_and_marked(
    request: pytest.FixtureRequest,
    live_url: str,
    session: Session,
    screen: str,
) -> None:
    page: Page = request.getfixturevalue(screen)
    UserFactory(username="zhaomin", role="supervisor")
    ticket = voicemail(
        "你好，我是十二号楼三单元的住户，<script>alert(1)</script>楼上的水管爆裂了，"
        "厨房天花板一直在漏水，地上全是水，麻烦尽快派人来看看，谢谢。",
        days=0.1,
    )
    voicemail("三号楼停电了，电梯也停了", days=0.2)
    session.commit()

    log_in(page, live_url, "zhaomin", PASSWORD)
    page.goto(f"{live_url}/search")
    page.fill("input[name=q]", "水管爆裂")
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")

    hits = page.locator(".search-hit")
    assert hits.count() == 1
    assert hits.locator("a").first.inner_text() == ticket.number
    assert hits.locator("mark").all_inner_texts() == ["水管爆裂"]
    # The resident's markup is text on the page, not an element.
    assert "<script>alert(1)</script>" in hits.inner_text()
    assert page.locator(".search-hit script").count() == 0
    assert overflow_x(page) == 0
    screenshot(page, f"search-{screen}")
