"""The phone menu's page (/ivr): the picture, every prompt in both languages, the version and
the check's findings; supervisors and admins only."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy.orm import Session

from hotline.ivr.loader import load_flow
from hotline.ivr.validate import prompt_places
from hotline.models import Role, User
from hotline.settings import PROJECT_ROOT
from tests.helpers import sign_in, text

MAIN_FLOW = PROJECT_ROOT / "ivr_flows" / "main.yaml"


def test_supervisors_see_the_picture_beside_every_prompt_in_both_languages(
    client: FlaskClient, sign_in: Callable[..., User]
) -> None:
    sign_in(role=Role.SUPERVISOR)
    flow = load_flow(MAIN_FLOW)

    page = text(client.get("/ivr/"))

    assert f"version {flow.version}" in page or f"版本 {flow.version}" in page
    assert 'src="/ivr/diagram.svg"' in page
    assert 'id="ivr-findings"' in page and "ivr-unreachable" not in page  # nothing to list
    greeting = flow.nodes["greeting"].prompt[0].text
    assert greeting["zh"] in page and greeting["en"] in page
    for where, _, prompt in prompt_places(flow):
        assert f"<code>{where}</code>" in page
        for language_text in prompt.text.values():
            assert str(escape(language_text)) in page


def test_the_diagram_is_served_as_an_svg_image_naming_every_node(
    client: FlaskClient, sign_in: Callable[..., User]
) -> None:
    sign_in(role=Role.ADMIN)

    response = client.get("/ivr/diagram.svg")

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = text(response)
    for node_id in load_flow(MAIN_FLOW).nodes:
        assert f">{node_id}</text>" in svg


@pytest.mark.parametrize("path", ["/ivr/", "/ivr/diagram.svg"])
def test_volunteers_may_not_see_it(
    client: FlaskClient, sign_in: Callable[..., User], path: str
) -> None:
    sign_in(role=Role.VOLUNTEER)

    assert client.get(path).status_code == 403


def broken_flow(tmp_path: Path) -> Path:
    """The shipped flow with an unreachable node, a dead end and a prompt missing English."""
    source = MAIN_FLOW.read_text(encoding="utf-8")
    source = source.replace(
        "nodes:\n",
        "nodes:\n"
        "  orphan:\n    type: say\n    prompt: {zh: 没人来这里, en: Nobody comes here}\n"
        "    next: orphan_loop\n"
        "  orphan_loop:\n    type: say\n    prompt: {zh: 转圈, en: Round}\n    next: orphan\n",
        1,
    )
    source = re.sub(r"(\n      en: Hello, this is the community care hotline\.[^\n]*)", "", source)
    path = tmp_path / "main.yaml"
    path.write_text(source, encoding="utf-8")
    return path


def test_a_broken_flow_shows_its_findings(
    make_app: Callable[..., Flask], session: Session, tmp_path: Path
) -> None:
    app = make_app(ivr_flow_path=broken_flow(tmp_path))
    client = app.test_client()
    sign_in(client, session, role=Role.SUPERVISOR)

    page = text(client.get("/ivr/"))

    assert re.search(r'id="ivr-unreachable">orphan, orphan_loop<', page)
    assert re.search(r'id="ivr-dead-ends">orphan, orphan_loop<', page)
    assert re.search(r'id="ivr-missing-language">greeting prompt: en<', page)
    assert "greeting: prompt has no &#39;en&#39; text" in page


def test_without_graphviz_the_page_says_how_to_install_it(
    client: FlaskClient, sign_in: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(role=Role.SUPERVISOR)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert shutil.which("dot") is None

    page = text(client.get("/ivr/"))

    assert "apt-get install graphviz" in page
    assert 'src="/ivr/diagram.svg"' not in page
