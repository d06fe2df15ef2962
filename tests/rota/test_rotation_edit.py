"""Changing a rotation: the old one ends, a new one carries on, the past stays; the edit page."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import rota
from hotline.models import Role, Rotation, Volunteer
from hotline.rota.chain import ShiftWindow
from tests.helpers import cn, configure, page, sign_in
from tests.rota.factories import START, RotationFactory, VolunteerFactory

# Daily turns from 12-01 08:00: 张伟, 王芳, 李娜, so 李娜 holds the turn of 12-03 08:00-12-04 08:00.
NOW = cn("2026-12-03 14:00")


@pytest.fixture
def app(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The app with its clock stopped at NOW."""
    return configure(app, monkeypatch, clock=lambda: NOW)


@pytest.fixture
def trio(session: Session) -> list[Volunteer]:
    """Three volunteers, with mobiles ending 301, 302, 303."""
    return [
        VolunteerFactory(name=name, mobile=f"+86138000003{n:02d}")
        for n, name in enumerate(["张伟", "王芳", "李娜"], start=1)
    ]


@pytest.fixture
def rotation(session: Session, trio: list[Volunteer]) -> Rotation:
    """The daily rotation of the trio, in that order, from START."""
    made: Rotation = RotationFactory(members=trio, name="甲组")
    return made


def settings(member_ids: list[int], **changes: object) -> rota.RotationSettings:
    values: dict[str, object] = {
        "name": "甲组",
        "member_ids": member_ids,
        "layer": 1,
        "shift_hours": 24,
        "handoff_time": time(8, 0),
        "ends_at": None,
        "weekdays": None,
        "hours": None,
    }
    values.update(changes)
    return rota.RotationSettings(**values)  # type: ignore[arg-type]


def on_duty(session: Session, text: str) -> list[int]:
    return [d.volunteer_id for d in rota.on_duty(session, cn(text))]


def people(w: ShiftWindow) -> tuple[int, int, datetime, datetime]:
    return (w.volunteer_id, w.layer, w.starts_at, w.ends_at)


def members(rotation: Rotation) -> list[int]:
    return [m.volunteer_id for m in rotation.members]


# Domain


def test_a_change_ends_the_old_rotation_now_and_the_past_stays(
    session: Session, trio: list[Volunteer], rotation: Rotation
) -> None:
    a, b, c = (v.id for v in trio)
    past = rota.shifts_between(session, START, NOW)

    new = rota.revise_rotation(session, rotation.id, settings([a, b, c], name="乙组"), now=NOW)

    assert new is not None
    assert (rotation.ends_at, new.starts_at, new.name) == (NOW, NOW, "乙组")
    assert members(new) == [c, a, b]  # 李娜 keeps the turn she holds, then the order goes on
    assert [people(w) for w in rota.shifts_between(session, START, NOW)] == [
        people(w) for w in past
    ]
    assert on_duty(session, "2026-12-02 09:00") == [b]
    assert on_duty(session, "2026-12-03 15:00") == [c]
    assert on_duty(session, "2026-12-04 09:00") == [a]
    # For 李娜 it is still one shift to the 08:00 handoff, so no second handoff or reminder.
    [shift] = rota.upcoming_shifts(session, c, cn("2026-12-03 08:00"), days=1)
    assert (shift.starts_at, shift.ends_at) == (
        cn("2026-12-03 08:00"),
        cn("2026-12-04 08:00"),
    )


def test_a_new_order_carries_on_from_whoever_holds_the_turn(
    session: Session, trio: list[Volunteer], rotation: Rotation
) -> None:
    a, b, c = (v.id for v in trio)
    d = VolunteerFactory().id

    new = rota.revise_rotation(session, rotation.id, settings([d, b, c, a]), now=NOW)

    assert new is not None and members(new) == [c, a, d, b]
    assert [on_duty(session, f"2026-12-0{day} 09:00") for day in (4, 5, 6, 7)] == [
        [a],
        [d],
        [b],
        [c],
    ]


def test_when_the_turn_holder_leaves_the_next_in_the_old_order_takes_over(
    session: Session, trio: list[Volunteer], rotation: Rotation
) -> None:
    a, b, _c = (v.id for v in trio)

    new = rota.revise_rotation(session, rotation.id, settings([b, a]), now=NOW)

    assert new is not None and members(new) == [a, b]
    assert on_duty(session, "2026-12-03 15:00") == [a]


def test_new_shift_length_and_restriction_from_a_later_moment(
    session: Session, trio: list[Volunteer], rotation: Rotation
) -> None:
    a, b, c = (v.id for v in trio)
    nights = settings([a, b, c], shift_hours=12, hours=(time(20, 0), time(8, 0)))

    new = rota.revise_rotation(session, rotation.id, nights, now=NOW, at=cn("2026-12-05 08:00"))

    assert new is not None and rotation.ends_at == cn("2026-12-05 08:00")
    assert members(new) == [b, c, a]  # 王芳's turn would start at 12-05 08:00 in the old order
    assert on_duty(session, "2026-12-04 12:00") == [a]  # the old rotation until then
    assert on_duty(session, "2026-12-05 12:00") == []  # days are not covered any more
    assert on_duty(session, "2026-12-05 21:00") == [c]  # the second 12-hour turn, a night
    assert on_duty(session, "2026-12-06 21:00") == [b]  # the fourth


def test_a_rotation_not_yet_started_is_replaced_from_its_start(
    session: Session, trio: list[Volunteer], rotation: Rotation
) -> None:
    a, b, c = (v.id for v in trio)
    before = cn("2026-11-20 12:00")

    new = rota.revise_rotation(session, rotation.id, settings([c, b, a]), now=before)

    assert new is not None
    assert (rotation.active, new.starts_at, members(new)) == (False, START, [c, b, a])
    assert on_duty(session, "2026-12-01 09:00") == [c]


def test_unticking_active_only_ends_the_rotation(
    session: Session, trio: list[Volunteer], rotation: Rotation
) -> None:
    ids = [v.id for v in trio]

    assert rota.revise_rotation(session, rotation.id, settings(ids, active=False), now=NOW) is None
    assert rotation.ends_at == NOW
    assert session.scalars(select(Rotation)).all() == [rotation]
    assert on_duty(session, "2026-12-03 15:00") == []


def test_a_change_in_the_past_takes_effect_now(
    session: Session, trio: list[Volunteer], rotation: Rotation
) -> None:
    ids = [v.id for v in trio]
    new = rota.revise_rotation(session, rotation.id, settings(ids), now=NOW, at=START)
    assert new is not None and new.starts_at == NOW and rotation.ends_at == NOW


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"shift_hours": 0}, "at least one hour"), ({"ends_at": NOW}, "end must come after")],
)
def test_a_bad_change_is_refused(
    session: Session,
    trio: list[Volunteer],
    rotation: Rotation,
    changes: dict[str, object],
    message: str,
) -> None:
    with pytest.raises(rota.RotaError, match=message):
        rota.revise_rotation(
            session, rotation.id, settings([v.id for v in trio], **changes), now=NOW
        )


def test_an_ended_rotation_cannot_be_changed(
    session: Session, trio: list[Volunteer], rotation: Rotation
) -> None:
    rota.end_rotation(session, rotation.id, cn("2026-12-02 08:00"))
    with pytest.raises(rota.RotaError, match="ended already"):
        rota.revise_rotation(session, rotation.id, settings([v.id for v in trio]), now=NOW)


# Pages


def edit_form(**changes: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "name": "甲组",
        "layer": "1",
        "shift_hours": "24",
        "handoff": "08:00",
        "members": "13800000301\n13800000302\n13800000303",
        "active": "y",
    }
    form.update(changes)
    return form


def test_edit_page_shows_the_rotation_as_it_is(
    client: FlaskClient, session: Session, trio: list[Volunteer]
) -> None:
    rotation = RotationFactory(
        members=trio, name="夜班", weekdays=0b0110000, hours_from=time(20), hours_to=time(8)
    )
    sign_in(client, session, role=Role.SUPERVISOR)

    assert f'href="/rota/rotations/{rotation.id}/edit"' in page(client, "/rota/rotations")
    html = page(client, f"/rota/rotations/{rotation.id}/edit")
    assert "修改轮值 夜班" in html
    assert "不会改写过去" in html  # the help text explains how history is kept
    assert 'value="夜班"' in html
    a, b, c = trio
    assert f"{a.name} #{a.id}\n{b.name} #{b.id}\n{c.name} #{c.id}</textarea>" in html
    assert 'checked id="weekdays-4"' in html and 'checked id="weekdays-5"' in html
    assert 'id="weekdays-0"' in html and 'checked id="weekdays-0"' not in html
    assert 'name="hours_from" type="time" value="20:00"' in html
    assert 'checked id="active"' in html


def test_saving_the_edit_form_replaces_the_rotation_from_now(
    client: FlaskClient, session: Session, trio: list[Volunteer], rotation: Rotation
) -> None:
    a, b, c = (v.id for v in trio)
    sign_in(client, session, role=Role.SUPERVISOR)

    form = edit_form(name="乙组", members="13800000303\n13800000302\n13800000301")
    response = client.post(f"/rota/rotations/{rotation.id}/edit", data=form)

    assert response.status_code == 302
    session.expire_all()
    old, new = session.scalars(select(Rotation).order_by(Rotation.id)).all()
    assert (old.name, old.ends_at) == ("甲组", NOW)
    assert (new.name, new.starts_at, new.ends_at) == ("乙组", NOW, None)
    assert members(new) == [c, b, a]
    html = page(client, "/rota/rotations")
    assert "轮值已修改" in html
    assert ">乙组</td>" in html and "甲组" not in html


def test_unticking_active_on_the_page_ends_the_rotation(
    client: FlaskClient, session: Session, rotation: Rotation
) -> None:
    sign_in(client, session, role=Role.SUPERVISOR)
    form = edit_form()
    del form["active"]

    html = client.post(
        f"/rota/rotations/{rotation.id}/edit", data=form, follow_redirects=True
    ).get_data(as_text=True)

    assert "已结束轮值" in html
    assert "还没有轮值" in html
    session.expire_all()
    assert session.scalars(select(Rotation.ends_at)).all() == [NOW]


def test_a_refused_edit_changes_nothing_and_says_why_in_chinese(
    client: FlaskClient, session: Session, rotation: Rotation
) -> None:
    sign_in(client, session, role=Role.SUPERVISOR)
    form = edit_form(members="13800000301\n13800000999")

    html = client.post(f"/rota/rotations/{rotation.id}/edit", data=form).get_data(as_text=True)

    assert "没有叫这个名字或使用这个号码的志愿者：13800000999" in html
    session.expire_all()
    assert session.scalars(select(Rotation.ends_at)).all() == [None]


def test_editing_a_missing_rotation_is_404(client: FlaskClient, session: Session) -> None:
    sign_in(client, session, role=Role.SUPERVISOR)
    assert client.get("/rota/rotations/999/edit").status_code == 404
