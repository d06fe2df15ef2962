"""Browser tests: the dashboard served for real on 127.0.0.1 and driven by Debian's Chromium
through Playwright, on a phone-sized screen first.

`make test` installs Chromium and a CJK font (the Makefile's browser target); Playwright never
downloads a browser here. Without Chromium the tests skip on a laptop and fail under CI=true.
Each test's app commits for real (the live server's threads use connections of their own);
its rows are deleted afterwards. Screenshots go to var/screenshots/ for people to look at.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import service_unavailable

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# A phone (the volunteers' and supervisors' usual screen) and a desk.
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}
# Chromium run as root in a sandbox-less container, kept off the closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def real_commits() -> bool:
    """The live server answers from its own threads and connections: rows must be committed."""
    return True


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless, for the whole run."""
    if not CHROMIUM.exists():
        service_unavailable("Chromium", FileNotFoundError(CHROMIUM))
    launched = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@pytest.fixture
def live_app(app: Flask) -> Flask:
    """The test's app (the one `session` writes through), with CSRF checks on as in production."""
    app.config.update(WTF_CSRF_ENABLED=True)
    return app


@pytest.fixture
def live_url(live_app: Flask) -> Iterator[str]:
    """The app served over HTTP on a free loopback port, for the test."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def _page(browser: Browser, viewport: dict[str, int], locale: str) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, locale=locale)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A 390 x 844 page whose browser prefers Chinese."""
    yield from _page(browser, PHONE, "zh-CN")


@pytest.fixture
def desk(browser: Browser) -> Iterator[Page]:
    """A 1280 x 800 page whose browser prefers Chinese."""
    yield from _page(browser, DESK, "zh-CN")


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as var/screenshots/<name>.png and return the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def overflow_x(page: Page) -> int:
    """How many CSS pixels the page is wider than the screen (0 when nothing sticks out)."""
    return int(
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


def log_in(page: Page, base: str, username: str, password: str) -> None:
    """Sign in through the login form."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
