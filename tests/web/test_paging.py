"""Page numbers in query strings: whatever is typed, a list shows a page that exists."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import User
from hotline.web.dashboard.paging import MAX_PAGE, page_number
from tests import factories
from tests.helpers import text

CALL_LINK = re.compile(r'href="/calls/(\d+)"')
TICKET_LINK = re.compile(r'href="/tickets/(\d{4}-\d{6})"')
HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, 1),
        ("", 1),
        ("3", 3),
        (" 3 ", 3),
        ("007", 7),
        ("0", 1),
        ("-3", 1),
        ("x", 1),
        ("1.5", 1),
        ("1e3", 1),
        ("1_000", 1),
        ("３", 1),  # a full-width digit, which int() would accept
        (str(MAX_PAGE), MAX_PAGE),
        (str(MAX_PAGE + 1), MAX_PAGE),
        (HUGE, MAX_PAGE),
        ("9" * 5000, MAX_PAGE),  # int() refuses strings this long
    ],
)
def test_page_input_is_clamped(value: str | None, expected: int) -> None:
    assert page_number(value) == expected


@pytest.fixture
def many(session: Session) -> dict[str, list[str]]:
    """27 calls, each with a ticket, newest first: two pages of 25."""
    now = utcnow()
    calls = [factories.CallFactory(started_at=now - timedelta(minutes=i)) for i in range(27)]
    tickets = [factories.TicketFactory(call=call, created_at=call.started_at) for call in calls]
    session.flush()
    return {
        "/calls": [str(call.id) for call in calls],
        "/tickets": [ticket.number for ticket in tickets],
    }


def listed(path: str, page: str) -> list[str]:
    return (CALL_LINK if path == "/calls" else TICKET_LINK).findall(page)


@pytest.mark.parametrize("path", ["/calls", "/tickets"])
@pytest.mark.parametrize("value", ["0", "-3", "x", "", "1.5", "２"])
def test_unusable_page_numbers_show_the_first_page(
    client: FlaskClient,
    sign_in: Callable[..., User],
    many: dict[str, list[str]],
    path: str,
    value: str,
) -> None:
    sign_in()

    response = client.get(path, query_string={"page": value})

    page = text(response)
    assert response.status_code == 200
    assert "请更正以下问题：" not in page
    assert listed(path, page)[:25] == many[path][:25]
    assert "第 1 页，共 2 页" in page


@pytest.mark.parametrize("path", ["/calls", "/tickets"])
@pytest.mark.parametrize("value", [HUGE, str(MAX_PAGE), "3"])
def test_a_page_past_the_end_shows_the_last_page(
    client: FlaskClient,
    sign_in: Callable[..., User],
    many: dict[str, list[str]],
    path: str,
    value: str,
) -> None:
    sign_in()

    response = client.get(path, query_string={"page": value})

    page = text(response)
    assert response.status_code == 200
    assert listed(path, page)[: len(many[path]) - 25] == many[path][25:]
    assert "第 2 页，共 2 页" in page
    assert f'href="{path}?page=1"' in page


@pytest.mark.parametrize("value", ["2", "3", HUGE])
def test_a_capped_ticket_list_says_more_and_pages_end_at_the_cap(
    client: FlaskClient,
    sign_in: Callable[..., User],
    many: dict[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    value: str,
) -> None:
    # 27 tickets counted up to 26: "more than 26", and the second page is the last.
    monkeypatch.setattr("hotline.review.scope.MAX_COUNTED", 26)
    sign_in()

    response = client.get("/tickets", query_string={"page": value})

    page = text(response)
    assert response.status_code == 200
    assert "超过 26 张工单" in page
    assert "第 2 页，共 2 页" in page
    assert listed("/tickets", page) == many["/tickets"][25:]


def test_a_ticket_list_at_the_cap_gives_its_count(
    client: FlaskClient,
    sign_in: Callable[..., User],
    many: dict[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("hotline.review.scope.MAX_COUNTED", 27)
    sign_in()

    page = text(client.get("/tickets"))

    assert "超过" not in page
    assert "共 27 张工单" in page


@pytest.mark.parametrize("path", ["/calls", "/tickets"])
def test_a_huge_page_of_an_empty_list_says_it_is_empty(
    client: FlaskClient, sign_in: Callable[..., User], path: str
) -> None:
    sign_in()

    response = client.get(path, query_string={"page": HUGE})

    assert response.status_code == 200
    assert ("暂无来电。" if path == "/calls" else "没有符合条件的工单。") in text(response)


@pytest.mark.parametrize("path", ["/rota/", "/rota/coverage", "/rota/fairness"])
@pytest.mark.parametrize("value", [HUGE, "-1", "x"])
def test_rota_pages_ignore_bad_page_numbers(
    client: FlaskClient, sign_in: Callable[..., User], path: str, value: str
) -> None:
    sign_in()

    response = client.get(path, query_string={"page": value})

    assert response.status_code == 200
    assert "请更正以下问题：" not in text(response)
