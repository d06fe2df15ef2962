"""The review page in Chromium: a real Mandarin voicemail plays and the highlighted word
follows it, a click on a word seeks, speed changes, a correction saved with Ctrl+Enter shows
as a new version with its diff; a volunteer gets 403 for another's recording; the queue and
the page fit a 390-px phone. Screenshots: var/screenshots/review-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import AuditEntry, Role, Transcript
from tests import factories
from tests.browser.conftest import log_in, overflow_x, screenshot
from tests.factories import PASSWORD, UserFactory
from tests.helpers import configure
from tests.review.conftest import stored_voicemail


@pytest.fixture
def recordings_dir(live_app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    directory = tmp_path / "recordings"
    directory.mkdir()
    configure(live_app, monkeypatch, recordings_dir=directory)
    return directory


def now_index(page: Page) -> int:
    """Which word is highlighted (-1: none)."""
    return int(
        page.evaluate(
            "() => Array.from(document.querySelectorAll('.transcript-words .word'))"
            ".findIndex(w => w.classList.contains('now'))"
        )
    )


def test_a_supervisor_plays_seeks_and_corrects_a_voicemail(
    desk: Page, live_url: str, session: Session, recordings_dir: Path
) -> None:
    UserFactory(username="wangfang", role=Role.SUPERVISOR, display_name="王芳")
    recording, ticket = stored_voicemail(recordings_dir, age_hours=3)
    later, _ = stored_voicemail(recordings_dir, age_hours=1)
    session.commit()
    page = desk

    log_in(page, live_url, "wangfang", PASSWORD)
    page.goto(f"{live_url}/review")
    assert page.locator("#review-unreviewed").inner_text() == "2"
    with page.expect_navigation():
        page.locator(".review-item a").first.click()
    assert page.url.endswith(f"/review/{recording.id}")
    page.wait_for_function("() => document.querySelector('audio').readyState >= 1")
    assert page.evaluate("() => document.querySelector('audio').duration") == pytest.approx(
        5.55, abs=0.05
    )
    assert page.locator(".transcript-words .word.low").all_inner_texts() == ["达摩院"]

    # Play from the start (space, as a person would): the highlight moves word by word.
    page.locator("h1").click()
    page.keyboard.press("Space")
    page.wait_for_function(
        "() => document.querySelector('.transcript-words .word.now') !== null"
        " && document.querySelector('audio').currentTime > 0.9"
    )
    first = now_index(page)
    page.wait_for_function("() => document.querySelector('audio').currentTime > 2.4")
    second = now_index(page)
    assert 0 <= first < second, (first, second)
    screenshot(page, "review-desk")

    # A click on 识别 (4.2 s) seeks there; space pauses; the left arrow goes back 5 s.
    page.locator(".transcript-words .word", has_text="识别").click()
    page.keyboard.press("Space")
    at = float(page.evaluate("() => document.querySelector('audio').currentTime"))
    assert 4.2 <= at < 5.0
    assert page.locator(".word.now").inner_text() == "识别"
    page.keyboard.press("ArrowLeft")
    assert float(page.evaluate("() => document.querySelector('audio').currentTime")) < 0.1
    page.locator(".player-rate[data-rate='1.5']").click()
    assert page.evaluate("() => document.querySelector('audio').playbackRate") == 1.5

    # Correct and save with Ctrl+Enter: marked reviewed, on to the next voicemail.
    page.fill("textarea[name=text]", "欢迎大家来体验达摩院推出的语音识别模型，谢谢")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert page.url.endswith(f"/review/{later.id}")
    assert page.locator("#review-unreviewed").inner_text() == "1"

    page.goto(f"{live_url}/review/{recording.id}")
    assert "由 王芳 更正" in page.locator("#versions").inner_text()
    with page.expect_navigation():
        page.locator("#versions a", has_text="改动").click()
    assert page.locator(".diff ins").all_inner_texts() == ["，谢谢"]
    assert "王芳" in page.locator(".reviewed-state").inner_text()
    assert page.locator(".transcript-words .word.typed").all_inner_texts() == ["，", "谢", "谢"]
    assert ticket.number in page.inner_text("h1")

    session.expire_all()
    texts = session.scalars(
        select(Transcript.text).where(Transcript.recording_id == recording.id)
    ).all()
    assert len(texts) == 2
    plays = session.scalars(
        select(AuditEntry.target).where(AuditEntry.action == "recording.play")
    ).all()
    assert f"recording:{recording.id}" in plays


def test_a_volunteer_cannot_open_another_volunteers_recording(
    phone: Page, live_url: str, session: Session, recordings_dir: Path
) -> None:
    mine, other = factories.VolunteerFactory(), factories.VolunteerFactory()
    UserFactory(username="lisi", role=Role.VOLUNTEER, volunteer_id=mine.id)
    theirs, _ = stored_voicemail(
        recordings_dir, call=factories.CallFactory(answered_by_id=other.id)
    )
    own, own_ticket = stored_voicemail(
        recordings_dir, call=factories.CallFactory(answered_by_id=mine.id)
    )
    session.commit()

    log_in(phone, live_url, "lisi", PASSWORD)
    for path in (f"/review/{theirs.id}/audio", f"/review/{theirs.id}", "/review"):
        response = phone.goto(live_url + path)
        assert response is not None and response.status == 403, path
    # Their own voicemail plays on its ticket, read-only.
    phone.goto(f"{live_url}/tickets/{own_ticket.number}")
    phone.wait_for_function("() => document.querySelector('audio').readyState >= 1")
    assert phone.locator("textarea[name=text]").count() == 0
    assert overflow_x(phone) == 0
    screenshot(phone, "review-ticket-phone")
    assert own.id != theirs.id


def test_the_queue_and_the_review_page_fit_a_phone(
    phone: Page, live_url: str, session: Session, recordings_dir: Path
) -> None:
    UserFactory(username="zhaomin", role=Role.SUPERVISOR)
    urgent, _ = stored_voicemail(recordings_dir, age_hours=1, triage_urgent=True)
    for hours in (2, 30, 80):
        stored_voicemail(recordings_dir, age_hours=hours)
    session.commit()

    log_in(phone, live_url, "zhaomin", PASSWORD)
    phone.goto(f"{live_url}/review")
    assert phone.locator(".review-item").count() == 4
    assert "urgent-item" in (phone.locator(".review-item").first.get_attribute("class") or "")
    assert phone.locator("#review-urgent").inner_text() == "1"
    assert overflow_x(phone) == 0
    screenshot(phone, "review-queue-phone")

    phone.goto(f"{live_url}/review/{urgent.id}")
    phone.wait_for_function("() => document.querySelector('audio').readyState >= 1")
    assert overflow_x(phone) == 0
    screenshot(phone, "review-phone")
