"""My shifts on a phone: the next shifts open, later weeks folded, the feed as webcal:// and QR."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import segno
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline import rota
from hotline.db import utcnow
from hotline.models import Role, User
from hotline.rota.ical import feed_token
from hotline.web.rota.volunteers import NEXT_SHOWN, by_week
from tests.helpers import configure, page
from tests.rota.factories import START, RotationFactory, VolunteerFactory


def test_next_shifts_open_and_later_ones_folded_by_week(
    app: Flask, client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    me, other = VolunteerFactory(), VolunteerFactory()
    RotationFactory(members=[me, other], starts_at=utcnow())  # every other day
    sign_in(role=Role.VOLUNTEER, volunteer_id=me.id)
    moment = utcnow()
    shifts = rota.upcoming_shifts(session, me.id, moment)
    later_ones = [s for s in shifts if s.starts_at > moment]  # those can be offered

    html = page(client, "/rota/me")

    first_week = html.index('<details class="week">')
    assert html[:first_week].count('<details class="offer">') == NEXT_SHOWN - 1  # one is now
    weeks = re.findall(r'<details class="week">\s*<summary>(\d\d-\d\d) 这一周', html)
    later = by_week(shifts[NEXT_SHOWN:], ZoneInfo(app.extensions["hotline.settings"].timezone))
    assert weeks == [monday.strftime("%m-%d") for monday, _ in later]
    assert len(weeks) >= 3
    assert html.count('<details class="offer">') == len(later_ones) == len(shifts) - 1


def test_feed_as_a_webcal_link_and_a_qr_code(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    me = VolunteerFactory()
    sign_in(role=Role.VOLUNTEER, volunteer_id=me.id)

    html = page(client, "/rota/me")

    token = feed_token(session, me.id)
    webcal = f"webcal://hotline.example.org/rota/calendar/{token}.ics"
    assert f'<a class="button" id="webcal" href="{webcal}">在手机日历中订阅</a>' in html
    qr = segno.make(webcal, error="m").svg_inline(scale=4, border=2, svgclass="qr", lineclass=None)
    path = re.search(r'd="([^"]+)"', qr)
    assert path is not None and f'd="{path[1]}"' in html  # the page's code encodes that address
    assert 'class="qr"><title>iCal 二维码</title><path' in html
    assert f"https://hotline.example.org/rota/calendar/{token}.ics" in html  # to copy


def test_my_shifts_show_the_real_handovers_not_now_or_the_horizon(
    app: Flask,
    client: FlaskClient,
    session: Session,
    sign_in: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    me, other = VolunteerFactory(), VolunteerFactory()
    RotationFactory(members=[me, other])  # 24 h turns at 08:00 from START: mine the even days
    moment = START + timedelta(days=2, hours=5, minutes=53)  # 12-03 13:53, in my third turn
    configure(app, monkeypatch, clock=lambda: moment)
    sign_in(role=Role.VOLUNTEER, volunteer_id=me.id)

    shifts = rota.upcoming_shifts(session, me.id, moment)
    html = page(client, "/rota/me")

    assert (shifts[0].starts_at, shifts[0].ends_at) == (
        START + timedelta(days=2),
        START + timedelta(days=3),
    )
    # The last one starts within the 30 days and ends after them, at its handover.
    assert shifts[-1].starts_at == START + timedelta(days=32) < moment + timedelta(days=30)
    assert shifts[-1].ends_at == START + timedelta(days=33)
    assert "12-03 08:00 – 12-04 08:00" in html
    assert "13:53" not in html
