"""The ticket page at a desk in Chromium: its buttons keep their size (ticket-desk.png)."""

from __future__ import annotations

from playwright.sync_api import Page
from sqlalchemy.orm import Session

from hotline.models import Role
from tests import factories
from tests.browser.conftest import log_in, screenshot
from tests.factories import PASSWORD, UserFactory


def test_the_details_forms_save_button_is_as_tall_as_the_others(
    desk: Page, live_url: str, session: Session
) -> None:
    ticket = factories.TicketFactory(caller_number="+8613800000001")
    UserFactory(username="desk_sup", role=Role.SUPERVISOR)
    session.commit()
    log_in(desk, live_url, "desk_sup", PASSWORD)

    desk.goto(f"{live_url}/tickets/{ticket.number}")
    screenshot(desk, "ticket-desk")

    save = desk.get_by_role("button", name="保存信息").bounding_box()
    note = desk.get_by_role("button", name="添加备注").bounding_box()
    assert save is not None and note is not None
    assert abs(save["height"] - note["height"]) <= 2, (save, note)
