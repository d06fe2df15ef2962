"""Leave: recording it from now on, the shifts it empties, calling it off; the leave pages."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import rota
from hotline.models import Leave, Role, Volunteer
from hotline.rota.chain import ShiftWindow
from hotline.rota.leave import cancel_leave, take_leave, upcoming_leave
from tests.helpers import cn, configure, page, sign_in
from tests.rota.factories import LeaveFactory, OverrideFactory, RotationFactory, VolunteerFactory

# The pages' clock: the evening before the daily rotations start (2026-12-01 08:00).
NOW = cn("2026-11-30 20:00")
TZ = NOW.tzinfo


@pytest.fixture
def app(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The app with its clock stopped at NOW."""
    return configure(app, monkeypatch, clock=lambda: NOW)


@pytest.fixture
def pair(session: Session) -> tuple[Volunteer, Volunteer]:
    """张伟 and 王芳 taking daily primary turns from 12-01 08:00, 张伟 first."""
    a = VolunteerFactory(name="张伟", mobile="+8613800000201")
    b = VolunteerFactory(name="王芳", mobile="+8613800000202")
    RotationFactory(members=[a, b])
    return a, b


def spans(windows: list[ShiftWindow]) -> list[tuple[int, str, str]]:
    """(layer, start, end) of each window, in Beijing time."""
    return [
        (
            w.layer,
            f"{w.starts_at.astimezone(TZ):%m-%d %H:%M}",
            f"{w.ends_at.astimezone(TZ):%m-%d %H:%M}",
        )
        for w in windows
    ]


# Domain


def test_leave_lists_the_shifts_it_empties_and_nobody_is_put_in(
    session: Session, pair: tuple[Volunteer, Volunteer]
) -> None:
    a, _b = pair
    clash = take_leave(
        session,
        volunteer_id=a.id,
        starts_at=cn("2026-12-01 20:00"),
        ends_at=cn("2026-12-03 12:00"),
        now=NOW,
        reason="探亲",
    )

    assert spans(clash.dropped) == [
        (1, "12-01 20:00", "12-02 08:00"),
        (1, "12-03 08:00", "12-03 12:00"),
    ]
    assert rota.on_duty(session, cn("2026-12-01 21:00")) == []
    assert clash.leave.reason == "探亲"


def test_an_override_covering_the_leave_takes_that_part_off_the_warning(
    session: Session, pair: tuple[Volunteer, Volunteer]
) -> None:
    a, b = pair
    OverrideFactory(volunteer=b, starts_at=cn("2026-12-01 08:00"), ends_at=cn("2026-12-01 14:00"))
    clash = take_leave(
        session,
        volunteer_id=a.id,
        starts_at=cn("2026-12-01 08:00"),
        ends_at=cn("2026-12-02 08:00"),
        now=NOW,
    )

    assert spans(clash.dropped) == [(1, "12-01 14:00", "12-02 08:00")]


def test_leave_starting_in_the_past_counts_from_now(
    session: Session, pair: tuple[Volunteer, Volunteer]
) -> None:
    a, _b = pair
    now = cn("2026-12-01 10:00")
    clash = take_leave(
        session,
        volunteer_id=a.id,
        starts_at=cn("2026-12-01 08:00"),
        ends_at=cn("2026-12-01 12:00"),
        now=now,
    )

    assert clash.leave.starts_at == now
    assert spans(clash.dropped) == [(1, "12-01 10:00", "12-01 12:00")]
    assert [d.volunteer_id for d in rota.on_duty(session, cn("2026-12-01 09:00"))] == [a.id]


@pytest.mark.parametrize(
    ("starts", "ends", "message"),
    [
        ("2026-11-29 08:00", "2026-11-30 08:00", "that leave would be over already"),
        ("2026-12-02 08:00", "2026-12-01 08:00", "the end must come after the start"),
    ],
)
def test_leave_that_cannot_be_taken(
    session: Session, pair: tuple[Volunteer, Volunteer], starts: str, ends: str, message: str
) -> None:
    with pytest.raises(rota.RotaError, match=message):
        take_leave(
            session, volunteer_id=pair[0].id, starts_at=cn(starts), ends_at=cn(ends), now=NOW
        )
    assert session.scalars(select(Leave)).all() == []


def test_upcoming_leave_is_soonest_first_and_can_be_one_volunteers(
    session: Session, pair: tuple[Volunteer, Volunteer]
) -> None:
    a, b = pair
    later = LeaveFactory(volunteer=a, starts_at=cn("2026-12-05 08:00"))
    sooner = LeaveFactory(volunteer=b, starts_at=cn("2026-12-02 08:00"))
    LeaveFactory(volunteer=a, starts_at=cn("2026-11-20 08:00"))  # over

    assert [c.leave.id for c in upcoming_leave(session, NOW)] == [sooner.id, later.id]
    mine = upcoming_leave(session, NOW, volunteer_id=a.id)
    assert [c.leave.id for c in mine] == [later.id]
    assert spans(mine[0].dropped) == [(1, "12-05 08:00", "12-06 08:00")]


def test_calling_off_leave_deletes_it_before_it_starts_and_ends_it_when_under_way(
    session: Session, pair: tuple[Volunteer, Volunteer]
) -> None:
    a, _b = pair
    ahead = LeaveFactory(volunteer=a, starts_at=cn("2026-12-05 08:00"))
    running = LeaveFactory(volunteer=a, starts_at=cn("2026-11-30 08:00"))

    cancel_leave(session, ahead.id, NOW, volunteer_id=a.id)
    cancel_leave(session, running.id, NOW)

    assert session.scalars(select(Leave)).all() == [running]
    assert running.ends_at == NOW
    with pytest.raises(rota.RotaError, match="over already"):
        cancel_leave(session, running.id, NOW)


def test_a_volunteer_cannot_call_off_someone_elses_leave(
    session: Session, pair: tuple[Volunteer, Volunteer]
) -> None:
    a, b = pair
    leave = LeaveFactory(volunteer=a, starts_at=cn("2026-12-05 08:00"))
    with pytest.raises(rota.RotaError, match="only the volunteer on leave"):
        cancel_leave(session, leave.id, NOW, volunteer_id=b.id)
    assert session.get(Leave, leave.id) is leave


# Pages


def test_supervisor_adds_leave_and_sees_the_shifts_it_empties(
    client: FlaskClient, session: Session, pair: tuple[Volunteer, Volunteer]
) -> None:
    a, _b = pair
    sign_in(client, session, role=Role.SUPERVISOR)
    form = {
        "volunteer": "138 0000 0201",
        "starts": "2026-12-01T20:00",
        "ends": "2026-12-03T12:00",
        "reason": "探亲",
    }
    html = client.post("/rota/leave", data=form, follow_redirects=True).get_data(as_text=True)

    leave = session.scalars(select(Leave)).one()
    assert (leave.volunteer_id, leave.starts_at, leave.reason) == (
        a.id,
        cn("2026-12-01 20:00"),
        "探亲",
    )
    assert "请假已登记，但会空出已排的班次" in html
    assert "张伟在以下已排班次不会被呼叫：" in html
    assert "<li>主班 12-01 20:00 – 12-02 08:00</li>" in html
    assert "<li>主班 12-03 08:00 – 12-03 12:00</li>" in html


def test_supervisor_calls_off_anyones_leave(
    client: FlaskClient, session: Session, pair: tuple[Volunteer, Volunteer]
) -> None:
    leave = LeaveFactory(volunteer=pair[1], starts_at=cn("2026-12-05 08:00"))
    sign_in(client, session, role=Role.SUPERVISOR)
    assert "王芳" in page(client, "/rota/leave")

    html = client.post(f"/rota/leave/{leave.id}/cancel", follow_redirects=True).get_data(
        as_text=True
    )
    assert "请假已取消" in html
    assert "暂无请假安排" in html
    session.expire_all()
    assert session.scalars(select(Leave)).all() == []


def test_volunteer_takes_leave_on_their_phone_page_and_is_warned(
    client: FlaskClient, session: Session, pair: tuple[Volunteer, Volunteer]
) -> None:
    a, _b = pair
    sign_in(client, session, role=Role.VOLUNTEER, volunteer_id=a.id)
    assert "12-01 08:00 – 12-02 08:00" in page(client, "/rota/me")  # my first shift

    form = {"starts": "2026-12-01T00:00", "ends": "2026-12-02T00:00", "reason": "体检"}
    html = client.post("/rota/me/leave", data=form, follow_redirects=True).get_data(as_text=True)

    assert session.scalars(select(Leave.volunteer_id)).all() == [a.id]
    assert "您在以下班次不会被呼叫" in html
    assert "<li>主班 12-01 08:00 – 12-02 00:00</li>" in html
    assert "12-01 00:00 – 12-02 00:00 · 体检" in html
    # The shift is gone from my shifts but for the hours after the leave.
    assert "12-01 08:00 – 12-02 08:00" not in html
    assert "12-02 00:00 – 12-02 08:00" in html


def test_volunteer_leave_form_errors_are_shown_on_the_page(
    client: FlaskClient, session: Session, pair: tuple[Volunteer, Volunteer]
) -> None:
    sign_in(client, session, role=Role.VOLUNTEER, volunteer_id=pair[0].id)
    response = client.post("/rota/me/leave", data={"starts": "2026-12-01T00:00"})

    assert response.status_code == 200
    assert "结束：" in response.get_data(as_text=True)
    assert session.scalars(select(Leave)).all() == []


def test_volunteer_calls_off_only_their_own_leave(
    client: FlaskClient, session: Session, pair: tuple[Volunteer, Volunteer]
) -> None:
    a, b = pair
    mine = LeaveFactory(volunteer=a, starts_at=cn("2026-12-05 08:00"))
    theirs = LeaveFactory(volunteer=b, starts_at=cn("2026-12-05 08:00"))
    sign_in(client, session, role=Role.VOLUNTEER, volunteer_id=a.id)

    html = client.post(f"/rota/leave/{theirs.id}/cancel", follow_redirects=True).get_data(
        as_text=True
    )
    assert "只有请假的志愿者本人或主管才能取消请假" in html
    client.post(f"/rota/leave/{mine.id}/cancel")

    session.expire_all()
    assert session.scalars(select(Leave.id)).all() == [theirs.id]


def test_rota_date_fields_are_not_labelled_as_caller_numbers(
    client: FlaskClient, session: Session
) -> None:
    sign_in(client, session, role=Role.SUPERVISOR)
    for path in ("/rota/overrides", "/rota/", "/rota/fairness", "/rota/leave"):
        assert "来电号码" not in page(client, path)
    assert "<label>开始 " in page(client, "/rota/overrides")
