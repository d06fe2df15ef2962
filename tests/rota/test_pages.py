"""Rota pages: roles, the calendar, forms that change the rota, the swap flow, the iCal feed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import rota
from hotline.db import utcnow
from hotline.models import Override, Role, Rotation, SwapStatus, User
from hotline.rota.ical import feed_token
from hotline.rota.swaps import open_swaps
from tests.factories import PASSWORD, UserFactory
from tests.helpers import cn, configure, page
from tests.rota.factories import OverrideFactory, RotationFactory, VolunteerFactory


@pytest.fixture
def app(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The test app, swaps waiting for a supervisor's approval."""
    return configure(app, monkeypatch, swap_requires_approval=True)


@pytest.mark.parametrize(
    "path",
    [
        "/rota/",
        "/rota/rotations",
        "/rota/overrides",
        "/rota/leave",
        "/rota/swaps",
        "/rota/coverage",
        "/rota/fairness",
    ],
)
def test_supervisor_pages_are_closed_to_volunteers(
    client: FlaskClient, sign_in: Callable[..., User], path: str
) -> None:
    sign_in(role=Role.VOLUNTEER, volunteer_id=VolunteerFactory().id)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/rota/rotations/{id}/edit"),
        ("POST", "/rota/rotations/{id}/end"),
        ("POST", "/rota/overrides/{id}/cancel"),
        ("POST", "/rota/leave/{id}/cancel"),
        ("POST", "/rota/swaps/{id}/approve"),
        ("POST", "/rota/swaps/{id}/take"),
    ],
)
@pytest.mark.parametrize("row_id", [str(2**31), "99999999999999999999999"])
def test_ids_too_large_for_the_database_are_404(
    client: FlaskClient, sign_in: Callable[..., User], method: str, path: str, row_id: str
) -> None:
    sign_in()

    assert client.open(path.format(id=row_id), method=method).status_code == 404


def test_my_shifts_needs_a_volunteer_login(
    client: FlaskClient, sign_in: Callable[..., User]
) -> None:
    assert client.get("/rota/me").status_code == 302  # to the login page
    sign_in(role=Role.SUPERVISOR)
    assert client.get("/rota/me").status_code == 403


def test_calendar_shows_layers_overrides_and_gaps(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    a, b, cover = (
        VolunteerFactory(name="张伟"),
        VolunteerFactory(name="王芳"),
        VolunteerFactory(name="李娜"),
    )
    RotationFactory(
        members=[a],
        hours_from=datetime(2000, 1, 1, 8).time(),
        hours_to=datetime(2000, 1, 1, 20).time(),
    )
    RotationFactory(layer=2, members=[b])
    OverrideFactory(
        volunteer=cover, starts_at=cn("2026-12-02 10:00"), ends_at=cn("2026-12-02 12:00")
    )
    sign_in(role=Role.SUPERVISOR)
    html = page(client, "/rota/?view=week&start=2026-12-02")
    assert '<div class="duty override">10:00–12:00 李娜</div>' in html
    assert '<div class="gap">20:00–24:00' in html
    assert "王芳" in html and "张伟" in html
    assert "start=2026-12-07" in html and "start=2026-11-23" in html  # next and previous weeks


def test_calendar_shows_a_whole_day_on_duty_as_all_day_and_midnight_as_24(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    a, b = VolunteerFactory(name="张伟"), VolunteerFactory(name="王芳")
    RotationFactory(members=[a], handoff_time=time(0))  # from 12-01 08:00, turns at midnight
    RotationFactory(layer=2, members=[b])  # turns at 08:00, the only member: every day
    sign_in(role=Role.SUPERVISOR)

    html = page(client, "/rota/?view=week&start=2026-12-01")

    assert "00:00–00:00" not in html
    days = {
        day: re.findall(r'<div class="(?:duty|gap)">([^<]*)</div>', row)
        for day, row in re.findall(r'<th scope="row">[^<]*?(\d+/\d+)</th>(.*?)</tr>', html, re.S)
    }
    assert days["11/30"] == ["全天 无人值班"]
    assert days["12/1"] == ["08:00–24:00 张伟", "00:00–08:00 无人值班", "备班1 08:00–24:00 王芳"]
    assert days["12/2"] == ["全天 张伟", "备班1 全天 王芳"]


def test_month_view_has_every_day(client: FlaskClient, sign_in: Callable[..., User]) -> None:
    sign_in(role=Role.SUPERVISOR)
    html = page(client, "/rota/?view=month&start=2026-02-10")
    assert html.count('<th scope="row">') == 28


def test_adding_a_rotation_from_the_form(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    a, b = VolunteerFactory(mobile="+8613800000101"), VolunteerFactory(mobile="+8613800000102")
    sign_in(role=Role.SUPERVISOR)
    form = {
        "name": "夜班",
        "layer": "1",
        "shift_hours": "24",
        "handoff": "08:00",
        "starts": "2026-12-01T08:00",
        "weekdays": ["4", "5"],
        "hours_from": "20:00",
        "hours_to": "08:00",
        "members": "138 0000 0102\n13800000101\n",
    }
    response = client.post("/rota/rotations", data=form)
    assert response.status_code == 302
    session.expire_all()
    rotation = session.scalars(select(Rotation)).one()
    assert "仅周五 周六" in page(client, "/rota/rotations")
    assert [m.volunteer_id for m in rotation.members] == [b.id, a.id]
    assert (rotation.weekdays, rotation.hours_from.hour, rotation.starts_at) == (
        0b0110000,
        20,
        cn("2026-12-01 08:00"),
    )


def test_unknown_member_mobile_adds_nothing(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    sign_in(role=Role.SUPERVISOR)
    form = {
        "name": "x",
        "layer": "1",
        "shift_hours": "24",
        "handoff": "08:00",
        "starts": "2026-12-01T08:00",
        "members": "13800000999",
    }
    html = client.post("/rota/rotations", data=form, follow_redirects=True).get_data(as_text=True)
    assert "13800000999" in html
    assert session.scalars(select(Rotation)).all() == []


def test_adding_and_cancelling_an_override(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    cover = VolunteerFactory(mobile="+8613800000103")
    boss = sign_in(role=Role.SUPERVISOR)
    start = utcnow() + timedelta(days=1)
    form = {
        "volunteer": "13800000103",
        "layer": "2",
        "reason": "病假顶班",
        "starts": (start + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
        "ends": (start + timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M"),
    }
    assert client.post("/rota/overrides", data=form).status_code == 302
    override = session.scalars(select(Override)).one()
    assert (override.volunteer_id, override.layer, override.created_by_id) == (cover.id, 2, boss.id)
    assert "病假顶班" in page(client, "/rota/overrides")
    assert client.post(f"/rota/overrides/{override.id}/cancel").status_code == 302
    session.expire_all()
    assert session.get(Override, override.id).cancelled_at is not None  # type: ignore[union-attr]


def test_swap_offered_taken_and_approved_through_the_pages(
    app: Flask, session: Session, sign_in: Callable[..., User]
) -> None:
    a, b = VolunteerFactory(name="张伟"), VolunteerFactory(name="王芳")
    tomorrow = utcnow().replace(microsecond=0) + timedelta(days=1)
    RotationFactory(members=[a], starts_at=tomorrow, ends_at=tomorrow + timedelta(days=1))
    offerer, taker, boss = app.test_client(), app.test_client(), app.test_client()
    accounts = {}
    for client, kwargs in (
        (offerer, {"role": Role.VOLUNTEER, "volunteer_id": a.id}),
        (taker, {"role": Role.VOLUNTEER, "volunteer_id": b.id}),
        (boss, {"role": Role.SUPERVISOR}),
    ):
        user = UserFactory(**kwargs)
        session.commit()
        accounts[user.username] = client
        client.post("/login", data={"username": user.username, "password": PASSWORD})

    assert "发布换班" in page(offerer, "/rota/me")  # Chinese by default
    window = {
        "layer": "1",
        "starts": tomorrow.isoformat(),
        "ends": (tomorrow + timedelta(hours=12)).isoformat(),
    }
    assert offerer.post("/rota/me/offer", data=window).status_code == 302
    swap = open_swaps(session, utcnow())[0]
    assert "张伟" in page(taker, "/rota/me")
    assert taker.post(f"/rota/swaps/{swap.id}/take").status_code == 302
    assert "王芳" in page(boss, "/rota/swaps")
    assert boss.post(f"/rota/swaps/{swap.id}/approve").status_code == 302
    session.expire_all()
    assert session.get(type(swap), swap.id).status is SwapStatus.APPROVED  # type: ignore[union-attr]
    assert [d.volunteer_id for d in rota.on_duty(session, tomorrow + timedelta(hours=1))] == [b.id]


def test_a_volunteer_cannot_withdraw_someone_elses_swap(
    app: Flask, client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    a, b = VolunteerFactory(), VolunteerFactory()
    tomorrow = utcnow() + timedelta(days=1)
    RotationFactory(members=[a], starts_at=tomorrow)
    from hotline.rota.swaps import offer_swap

    swap = offer_swap(
        session,
        volunteer_id=a.id,
        layer=1,
        starts_at=tomorrow,
        ends_at=tomorrow + timedelta(hours=1),
        now=utcnow(),
    )
    sign_in(role=Role.VOLUNTEER, volunteer_id=b.id)
    client.post(f"/rota/swaps/{swap.id}/cancel")
    session.expire_all()
    assert session.get(type(swap), swap.id).status is SwapStatus.OFFERED  # type: ignore[union-attr]


def test_ical_feed_by_token(client: FlaskClient, session: Session) -> None:
    a = VolunteerFactory()
    RotationFactory(members=[a], starts_at=utcnow())
    token = feed_token(session, a.id)
    session.commit()
    response = client.get(f"/rota/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert b"BEGIN:VEVENT" in response.data
    assert client.get("/rota/calendar/guess.ics").status_code == 404


def test_my_shifts_shows_the_feed_address(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    a = VolunteerFactory()
    RotationFactory(members=[a], starts_at=utcnow())
    sign_in(role=Role.VOLUNTEER, volunteer_id=a.id)
    html = page(client, "/rota/me")
    token = feed_token(session, a.id)
    assert f"https://hotline.example.org/rota/calendar/{token}.ics" in html


def test_coverage_and_fairness_pages(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    now = utcnow()
    RotationFactory(
        members=[VolunteerFactory(name="张伟")],
        starts_at=now - timedelta(days=3),
        ends_at=now + timedelta(days=1),
    )
    sign_in(role=Role.SUPERVISOR)
    html = page(client, "/rota/coverage?days=3")
    assert html.count('<li class="gap">') == 1
    html = page(client, "/rota/fairness")
    assert "张伟" in html
