"""The residents' public page on a 390-px phone in Chromium: number, SMS code, the report with
a photo, the confirmation and My tickets; nothing scrolls sideways. Screenshots in
var/screenshots/online-*.png."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Ticket, TicketPhoto
from hotline.telephony import FakeTelephony
from hotline.tickets import intake
from tests.browser.conftest import log_in, overflow_x, screenshot
from tests.factories import PASSWORD, CommunityFactory, TicketFactory, UserFactory
from tests.online.conftest import NUMBER, jpeg, texted_code


def test_a_resident_reports_a_leak_with_a_photo_and_follows_it(
    phone: Page, live_url: str, session: Session, telephony: FakeTelephony, tmp_path: Path
) -> None:
    intake.ensure_categories(session)
    for n in range(27):
        CommunityFactory(name=f"幸福里{n}社区")
    CommunityFactory(name="东湖社区")
    session.commit()
    photo = tmp_path / "leak.jpg"
    photo.write_bytes(jpeg(800, 600))

    phone.goto(f"{live_url}/r")
    assert overflow_x(phone) == 0
    screenshot(phone, "online-1-number")
    phone.fill("input[name=number]", "138 0013 8000")
    with phone.expect_navigation():
        phone.click("button.primary")

    phone.fill("input[name=code]", texted_code(telephony))
    screenshot(phone, "online-2-code")
    with phone.expect_navigation():
        phone.click("button.primary")

    assert "我要报修" in phone.inner_text("h1")
    phone.check("label.choice:has-text('管网维修') input")
    phone.fill("#community-filter", "东湖")
    assert phone.locator("#community option").count() == 2  # the prompt and 东湖社区
    phone.select_option("#community", label="东湖社区")
    phone.fill("input[name=address]", "3栋2单元501")
    phone.fill("textarea[name=description]", "厨房水管漏水，地上都是水")
    phone.set_input_files("input[name=photos]", str(photo))
    assert overflow_x(phone) == 0
    screenshot(phone, "online-3-report")
    phone.set_viewport_size({"width": 360, "height": 740})  # a small phone fits too
    assert overflow_x(phone) == 0
    phone.set_viewport_size({"width": 390, "height": 844})
    with phone.expect_navigation():
        phone.click("button.primary")

    ticket = session.scalars(select(Ticket).where(Ticket.caller_number == NUMBER)).one()
    assert ticket.ref is not None and phone.inner_text("#ref") == ticket.ref
    assert overflow_x(phone) == 0
    screenshot(phone, "online-4-done")
    assert session.scalars(select(TicketPhoto).where(TicketPhoto.ticket_id == ticket.id)).all()

    with phone.expect_navigation():
        phone.click("a.button.primary")
    card = phone.locator(f"#ticket-{ticket.number}")
    assert "东湖社区" in card.inner_text() and "您添加了照片" in card.inner_text()
    assert overflow_x(phone) == 0
    screenshot(phone, "online-5-mine")

    card.locator("summary", has_text="已修好").click()
    card.locator("label.choice:has-text('5') input").check()
    with phone.expect_navigation():
        card.locator("button.primary").click()
    assert "感谢您的评价" in phone.inner_text("main")
    session.refresh(ticket)
    assert (ticket.status.value, ticket.satisfaction) == ("resolved", 5)
    screenshot(phone, "online-6-rated")

    with phone.expect_navigation():
        phone.click("header .lang button")
    assert "My tickets" in phone.inner_text("h1")
    assert overflow_x(phone) == 0
    screenshot(phone, "online-7-mine-en")


def test_the_ticket_page_sets_a_visit_window_on_a_phone(
    phone: Page, live_url: str, session: Session
) -> None:
    ticket = TicketFactory(source="web", caller_number=NUMBER, summary="灯坏了")
    UserFactory(username="visit-lead", role="supervisor")
    session.commit()
    log_in(phone, live_url, "visit-lead", PASSWORD)

    phone.goto(f"{live_url}/tickets/{ticket.number}")
    assert "网上报修" in phone.inner_text("main")
    phone.fill("input[name=visit_from]", "2026-12-01T09:00")
    phone.fill("input[name=visit_until]", "2026-12-01T11:00")
    with phone.expect_navigation():
        phone.click("#visit button")

    assert "上门时间已保存" in phone.inner_text("main")
    assert overflow_x(phone) == 0
    screenshot(phone, "online-ticket-visit")
    session.refresh(ticket)
    assert ticket.visit_from is not None and ticket.visit_from.hour == 1  # 09:00 in Beijing
