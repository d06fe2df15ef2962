"""The dashboard's error pages: status, both languages (the page's first) and the way back."""

from __future__ import annotations

from collections.abc import Callable
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.models import Role, User
from hotline.review import home
from hotline.web.voice.routes import HOOK_PATHS
from tests import factories
from tests.helpers import text


def test_volunteer_opening_a_rota_admin_page_gets_a_chinese_403_with_english_under_it(
    client: FlaskClient, sign_in: Callable[..., User]
) -> None:
    sign_in(role=Role.VOLUNTEER, volunteer_id=factories.VolunteerFactory().id)

    response = client.get("/rota/rotations")

    assert response.status_code == 403
    html = text(response)
    assert html.index("您无权打开此页面") < html.index("You may not open this page")
    assert "请联系主管" in html and "ask a supervisor" in html
    assert "Forbidden" not in html
    assert '<a class="button" href="/">返回工作台</a>' in html
    assert 'href="/rota/me"' in html  # a volunteer's own pages are one tap away


def test_error_page_in_english_first_after_switching(
    client: FlaskClient, sign_in: Callable[..., User]
) -> None:
    sign_in(role=Role.VOLUNTEER, volunteer_id=factories.VolunteerFactory().id)
    client.post("/language", data={"lang": "en"})

    html = text(client.get("/rota/swaps"))

    assert html.index("You may not open this page") < html.index("您无权打开此页面")
    assert "Back to the dashboard" in html


def test_unknown_address_is_a_styled_404_even_signed_out(client: FlaskClient) -> None:
    response = client.get("/no/such/page")

    assert response.status_code == 404
    html = text(response)
    assert "页面不存在" in html and "Page not found" in html
    assert 'href="/static/dashboard.css"' in html
    assert '<p class="error-code">404</p>' in html


def test_server_error_is_a_styled_500(
    app: Flask,
    client: FlaskClient,
    sign_in: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(home, "mine", broken)
    sign_in(role=Role.VOLUNTEER, volunteer_id=factories.VolunteerFactory().id)

    response = client.get("/")

    assert response.status_code == 500
    html = text(response)
    assert "出错了" in html and "Something went wrong" in html
    assert "boom" not in html and "Traceback" not in html


def test_webhooks_keep_their_plain_answer(client: FlaskClient, session: Session) -> None:
    response = client.post(HOOK_PATHS["incoming"], data={"CallSid": "CA1"})  # not signed

    assert response.status_code == 403
    assert "返回工作台" not in text(response)


def test_error_page_is_well_formed_enough_to_parse_its_heading(
    client: FlaskClient, sign_in: Callable[..., User]
) -> None:
    html = text(client.get("/no/such/page"))
    heading = html[html.index("<h1>") : html.index("</h1>") + 5]

    assert ElementTree.fromstring(heading).text == "页面不存在"


def test_an_expired_form_on_a_rota_page_says_so_in_both_languages(
    app: Flask, client: FlaskClient, sign_in: Callable[..., User]
) -> None:
    sign_in(role=Role.VOLUNTEER, volunteer_id=factories.VolunteerFactory().id)
    app.config["WTF_CSRF_ENABLED"] = True

    response = client.post("/rota/me/offer", data={"layer": "1"})  # no CSRF token

    assert response.status_code == 400
    html = text(response)
    assert html.index("表单已过期") < html.index("The form has expired")
    assert "请返回并刷新页面后重试。" in html and "Bad Request" not in html


def test_a_tampered_form_is_a_styled_400(client: FlaskClient, sign_in: Callable[..., User]) -> None:
    sign_in(role=Role.VOLUNTEER, volunteer_id=factories.VolunteerFactory().id)

    response = client.post("/rota/me/offer", data={"layer": "1", "starts": "x", "ends": "y"})

    assert response.status_code == 400
    assert "无法处理此请求" in text(response)
