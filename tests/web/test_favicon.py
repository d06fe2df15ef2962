"""The hotline's icon: every page names it, and /favicon.ico answers for browsers that ask."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient

ICON = re.compile(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">')


@pytest.mark.parametrize("path", ["/login", "/r/"])
def test_every_layout_links_the_icon_and_the_icon_is_served(client: FlaskClient, path: str) -> None:
    html = client.get(path).get_data(as_text=True)

    [href] = ICON.findall(html)
    icon = client.get(href)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert ET.fromstring(icon.data).tag == "{http://www.w3.org/2000/svg}svg"


def test_favicon_ico_answers_without_a_login(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data == client.get("/static/favicon.svg").data
