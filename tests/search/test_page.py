"""The search page: matches marked and everything else escaped, filters and paging from the
query string, bounded input, scope, and a header link."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.models import Role, User
from tests import factories
from tests.helpers import configure, page, text
from tests.search.conftest import days_ago, voicemail


@pytest.fixture(autouse=True)
def clock(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(app, monkeypatch, clock=lambda: days_ago(0))


def results(html: str) -> list[str]:
    """The ticket numbers of the results, in order."""
    return re.findall(
        r'<li class="search-hit[^"]*">\s*<p class="search-hit-head">\s*<a href="[^"]+">([^<]+)</a>',
        html,
    )


def test_a_supervisor_finds_a_phrase_marked_in_its_context(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    ticket = voicemail("你好，我家厨房的水管爆裂了，请派人来修", days=1)
    voicemail("小区门口的路灯坏了", days=2)
    sign_in(role=Role.SUPERVISOR)
    html = page(client, "/search?q=水管爆裂")
    assert results(html) == [ticket.number]
    assert "<mark>水管爆裂</mark>" in html
    assert "我家厨房的" in html
    assert "结果：1 条" in html


def test_resident_text_is_escaped_and_only_the_match_is_marked(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    voicemail('<script>alert("x")</script> 楼上漏水 <b>急</b>', days=1)
    sign_in(role=Role.SUPERVISOR)
    html = page(client, "/search?q=漏水")
    assert "<script>alert" not in html and "<b>急" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<mark>漏水</mark>" in html
    # A query that is itself markup is found as text and comes back escaped.
    html = page(client, "/search?q=%3Cscript%3E")
    assert "<mark>&lt;script&gt;</mark>" in html


def test_filters_and_paging_come_from_the_query_string(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    north, south = factories.CommunityFactory.create_batch(2)
    in_north = [voicemail(f"第{i}栋电梯停运", days=i / 10, community=north) for i in range(25)]
    voicemail("第九十九栋电梯停运", days=1, community=south)
    sign_in(role=Role.SUPERVISOR)
    first = page(client, f"/search?q=电梯停运&community={north.id}")
    assert results(first) == [t.number for t in in_north[:20]]
    assert "page=2" in first
    second = page(client, f"/search?q=电梯停运&community={north.id}&page=2")
    assert results(second) == [t.number for t in in_north[20:]]
    # A page past the end shows the last one; junk shows the first.
    assert results(page(client, f"/search?q=电梯停运&community={north.id}&page=999")) == results(
        second
    )
    assert results(page(client, f"/search?q=电梯停运&community={north.id}&page=x%00")) == results(
        first
    )


def test_bad_input_is_a_form_error_not_a_failure(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    voicemail("漏水", days=1)
    sign_in(role=Role.SUPERVISOR)
    for query in (
        "q=" + "漏" * 101,
        "q=漏水&date_from=2026-13-45",
        "q=漏水&status=nope",
        "q=漏水&date_from=2026-11-20&date_to=2026-11-01",
        "q=漏水&community=abc",
    ):
        html = page(client, f"/search?{query}")
        assert 'class="errors"' in html, query
        assert results(html) == []


def test_a_short_query_says_which_days_it_searched(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    voicemail("停水", days=1)
    sign_in(role=Role.SUPERVISOR)
    html = page(client, "/search?q=停水")
    assert len(results(html)) == 1
    assert "一两个字的词只在 2026/9/1 至 2026/11/29 之间搜索" in html


def test_a_volunteer_finds_only_their_tickets(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    mine, other = factories.VolunteerFactory.create_batch(2)
    own = voicemail("燃气味很重", call=factories.CallFactory(answered_by_id=mine.id))
    voicemail("燃气味很重 另一户", call=factories.CallFactory(answered_by_id=other.id))
    sign_in(role=Role.VOLUNTEER, volunteer_id=mine.id)
    html = page(client, "/search?q=燃气味")
    assert results(html) == [own.number]
    assert 'href="/search"' in html  # the header link


def test_search_needs_a_login(client: FlaskClient) -> None:
    response = client.get("/search?q=漏水")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert "漏水" not in text(response)
