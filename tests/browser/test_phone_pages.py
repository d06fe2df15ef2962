"""Pages a volunteer or a supervisor opens on a 390 x 844 phone: nothing scrolls sideways, tables
are cards, My shifts is short; and the people picker types a Chinese name into a rotation.
Screenshots phone-*.png in var/screenshots/."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import CallOutcome, Role, Volunteer
from tests import factories
from tests.browser.conftest import PHONE, log_in, overflow_x, screenshot
from tests.dispatch.factories import TechnicianFactory
from tests.factories import PASSWORD, UserFactory
from tests.review.conftest import stored_voicemail
from tests.rota.factories import RotationFactory, SwapFactory, TeamFactory

# The dashboard's pages without an id in their address, for an administrator.
PAGES = [
    "/",
    "/tickets",
    "/calls",
    "/rota/",
    "/rota/?view=month",
    "/rota/overrides",
    "/rota/leave",
    "/rota/swaps",
    "/rota/coverage",
    "/rota/fairness",
    "/technicians",
    "/review",
    "/search?q=漏水",
    "/kpi",
    "/kpi/alerts",
    "/audit",
]
# A long name and a long team name: the kind that pushes a column past the screen.
LONG = "欧阳志愿者王芳芳（东城区第一社区服务队）"


def _seed(session: Session) -> tuple[Volunteer, str, int]:
    """Volunteers on two rotations (me every other day), a call I took with its timeline and
    ticket, someone's swap offer; returns me, the ticket's number and the call's id."""
    now = utcnow().replace(microsecond=0)
    east = TeamFactory(name="东城区第一社区志愿服务队")
    me = factories.VolunteerFactory(name="王芳", team=east)
    other = factories.VolunteerFactory(name="王芳", mobile="+8613700000002")
    third = factories.VolunteerFactory(name=LONG, team=east)
    RotationFactory(name="白班（工作日，八点交接）", members=[me, other], starts_at=now)
    RotationFactory(name="夜间备班", layer=2, members=[third, other, me], starts_at=now)
    start = now - timedelta(hours=2)
    call = factories.CallFactory(
        outcome=CallOutcome.ANSWERED,
        answered_by_id=me.id,
        started_at=start,
        ended_at=start + timedelta(minutes=3),
        duration_s=180,
        carrier_status="completed",
        flow_id="main",
        flow_version=3,
        path=[
            {
                "node": "main_menu_after_hours_long_node",
                "input": "1",
                "at": start.isoformat(),
            },
            {"node": "connect", "input": "0", "at": start.isoformat()},
        ],
        chain=[
            {"volunteer_id": me.id, "name": "王芳", "number": me.mobile, "layer": 1},
            {"volunteer_id": third.id, "name": LONG, "number": third.mobile, "layer": 2},
        ],
        dial_index=0,
        accepted_index=0,
    )
    for kind, payload, offset in (
        ("incoming", {"CallStatus": "ringing", "CallSid": call.call_sid}, 0),
        ("gather", {"Digits": "1"}, 5),
        ("dial", {"DialCallStatus": "completed", "DialCallSid": "CA" + "f" * 32}, 30),
        ("status", {"CallStatus": "completed", "CallDuration": "180"}, 180),
    ):
        factories.CallEventFactory(
            call=call, kind=kind, payload=payload, received_at=start + timedelta(seconds=offset)
        )
    ticket = factories.TicketFactory(
        call=call, summary="三号楼二单元楼道里的水管漏水了，已经流到了楼下的电梯井附近" * 2
    )
    SwapFactory(offered_by=other, starts_at=now + timedelta(days=2))
    return me, ticket.number, call.id


def _fits(phone: Page, name: str) -> None:
    assert phone.viewport_size == PHONE
    assert overflow_x(phone) == 0, name
    screenshot(phone, f"phone-{name}")


def test_a_volunteers_pages_fit_a_phone(phone: Page, live_url: str, session: Session) -> None:
    me, number, call_id = _seed(session)
    UserFactory(username="phone_vol", role=Role.VOLUNTEER, volunteer_id=me.id)
    session.commit()

    log_in(phone, live_url, "phone_vol", PASSWORD)
    body = phone.inner_text("body")
    assert "我的下一个班次" in body and "我接听的来电" in body and "可接的换班" in body
    _fits(phone, "volunteer-home")

    phone.goto(f"{live_url}/rota/me")
    assert phone.locator("details.week").count() >= 3
    assert phone.locator("a#webcal").get_attribute("href", timeout=1000).startswith("webcal://")
    assert phone.locator(".qr-box svg").is_visible()
    height = phone.evaluate("() => document.documentElement.scrollHeight")
    assert height < 3 * PHONE["height"], height  # the week folds keep it short
    _fits(phone, "my-shifts")

    phone.goto(f"{live_url}/calls/{call_id}")
    assert "志愿者电话停止振铃" in phone.inner_text("body")
    _fits(phone, "call")

    phone.goto(f"{live_url}/tickets/{number}")
    assert number in phone.inner_text("body")
    _fits(phone, "ticket")

    phone.goto(f"{live_url}/rota/rotations")
    assert "您无权打开此页面" in phone.inner_text("body")
    _fits(phone, "forbidden")


def test_a_supervisors_rotations_page_fits_a_phone_and_picks_by_name(
    phone: Page, live_url: str, session: Session
) -> None:
    _me, number, _call = _seed(session)
    TechnicianFactory(name="王师傅")
    UserFactory(username="phone_sup", role=Role.SUPERVISOR)
    session.commit()
    log_in(phone, live_url, "phone_sup", PASSWORD)

    phone.goto(f"{live_url}/rota/rotations")
    cards = phone.locator(".cards tbody tr")
    assert cards.count() == 2
    first = cards.first
    assert first.locator("td[data-label='名称']").count() == 1
    # Every button of the card is on the screen.
    for i in range(first.locator("button, a").count()):
        box = first.locator("button, a").nth(i).bounding_box()
        assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"]

    helper = phone.locator("#members-add")
    helper.press_sequentially("王芳", delay=50)
    options = phone.locator("#members-people option")
    options.first.wait_for(state="attached")
    assert options.count() == 3  # the two called 王芳 first, then a name containing it
    labels = [options.nth(i).get_attribute("value") or "" for i in range(3)]
    assert [label.split(" #")[0] for label in labels] == ["王芳", "王芳", LONG]
    assert "东城区第一社区志愿服务队" in (options.first.text_content() or "")
    helper.fill(labels[1])  # as choosing the suggestion does
    helper.dispatch_event("input")
    assert phone.input_value("#members") == labels[1] + "\n"
    assert helper.input_value() == ""
    _fits(phone, "rotations")

    # The ticket's assign panel finds technicians and volunteers by name.
    phone.goto(f"{live_url}/tickets/{number}")
    phone.locator("#person").press_sequentially("王", delay=50)
    options = phone.locator("#person-people option")
    options.first.wait_for(state="attached")
    assert (options.first.get_attribute("value") or "").startswith("王师傅 #t")
    assert "技术员" in (options.first.text_content() or "")
    _fits(phone, "ticket-assign")


def test_every_listed_dashboard_page_fits_a_phone(
    phone: Page, live_url: str, live_app: Flask, session: Session
) -> None:
    _seed(session)
    for n in range(3):
        factories.TicketFactory(created_at=datetime(2026, 11, 1, 8, n, tzinfo=UTC))
    rotation = RotationFactory(name="周末白班", members=[factories.VolunteerFactory()])
    technician = TechnicianFactory(name="王师傅")
    recording, _ticket = stored_voicemail(live_app.extensions["hotline.settings"].recordings_dir)
    UserFactory(username="phone_lists", role=Role.ADMIN)
    session.commit()
    log_in(phone, live_url, "phone_lists", PASSWORD)

    overflowing = []
    for path in [
        *PAGES,
        f"/rota/rotations/{rotation.id}/edit",
        f"/technicians/{technician.id}",
        "/technicians/new",
        f"/review/{recording.id}",
    ]:
        phone.goto(live_url + path)
        assert phone.title(), path
        name = re.sub(r"\W+", "-", path).strip("-") or "home"
        screenshot(phone, f"phone-{name}")
        if overflow_x(phone):
            overflowing.append((path, overflow_x(phone)))
    assert overflowing == []
