"""The dashboard's home: today's figures for supervisors (calls, voicemails, open tickets and
those at risk, who is on duty now and next, the review queue, calls per hour and by category),
and a volunteer's next shift, calls and swap offers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.models import (
    CallOutcome,
    Role,
    SwapRequest,
    SwapStatus,
    TicketStatus,
    User,
    Volunteer,
)
from hotline.review import Scope, home
from tests import factories
from tests.helpers import cn, configure, page
from tests.rota.factories import OverrideFactory

NOW = cn("12-02 15:30")  # Beijing time
TZ = "Asia/Shanghai"


def _seed_today(session: Session) -> dict[str, object]:
    water = factories.CategoryFactory(code="water_home", name_zh="供水测试", name_en="Water test")
    on = factories.VolunteerFactory(name="值班甲")
    nxt = factories.VolunteerFactory(name="接班乙")
    OverrideFactory(
        volunteer=on, starts_at=NOW - timedelta(hours=2), ends_at=NOW + timedelta(hours=2)
    )
    OverrideFactory(
        volunteer=nxt, starts_at=NOW + timedelta(hours=2), ends_at=NOW + timedelta(hours=10)
    )
    # Calls: two at 09:xx, one at 14:xx today; one yesterday (not counted).
    for when, outcome in (
        ("12-02 09:05", CallOutcome.ANSWERED),
        ("12-02 09:40", CallOutcome.VOICEMAIL),
        ("12-02 14:10", CallOutcome.ANSWERED),
        ("12-01 23:50", CallOutcome.ANSWERED),
    ):
        factories.CallFactory(started_at=cn(when), outcome=outcome)
    factories.RecordingFactory(created_at=cn("12-02 09:41"))
    factories.RecordingFactory(created_at=cn("12-01 20:00"))
    # Tickets: one overdue, one at 90% of its time, one fresh, one resolved (not open).
    overdue = factories.TicketFactory(
        call=None, category=water, created_at=cn("11-28 10:00"), due_at=cn("12-01 10:00")
    )
    risky = factories.TicketFactory(
        call=None,
        category=water,
        created_at=NOW - timedelta(hours=9),
        due_at=NOW + timedelta(hours=1),
    )
    factories.TicketFactory(
        call=None, created_at=NOW - timedelta(hours=1), due_at=NOW + timedelta(hours=71)
    )
    factories.TicketFactory(
        call=None,
        status=TicketStatus.RESOLVED,
        created_at=cn("12-02 08:00"),
        due_at=cn("12-02 09:00"),
    )
    session.flush()
    return {"overdue": overdue, "risky": risky, "on": on, "next": nxt}


def test_today_counts_calls_voicemails_tickets_at_risk_and_duty(session: Session) -> None:
    seeded = _seed_today(session)

    today = home.today(session, NOW, TZ)

    assert (today.calls, today.answered, today.voicemails) == (3, 2, 1)
    assert today.calls_per_hour[9] == 2 and today.calls_per_hour[14] == 1
    assert sum(today.calls_per_hour) == 3
    assert (today.open_tickets, today.overdue, today.at_risk) == (3, 1, 1)
    assert [t.number for t in today.at_risk_tickets] == [
        seeded["overdue"].number,  # type: ignore[attr-defined]
        seeded["risky"].number,  # type: ignore[attr-defined]
    ]
    assert [d.name for d in today.on_duty] == ["值班甲"]
    assert [w.name for w in today.next_on_duty] == ["接班乙"]
    # Today's tickets by category: the risky one and the fresh one (no category), the
    # resolved one of this morning (no category) too.
    counts = {(c.code if c else None): n for c, n in today.by_category}
    assert counts == {"water_home": 1, None: 2}


def test_a_volunteers_corner(session: Session) -> None:
    me: Volunteer = factories.VolunteerFactory(name="我")
    other: Volunteer = factories.VolunteerFactory(name="别人")
    OverrideFactory(
        volunteer=me, starts_at=NOW + timedelta(days=1), ends_at=NOW + timedelta(days=1, hours=4)
    )
    took = factories.CallFactory(answered_by_id=me.id, started_at=NOW - timedelta(hours=3))
    ticket = factories.TicketFactory(call=took)
    factories.CallFactory(answered_by_id=other.id)
    offer = SwapRequest(
        offered_by_id=other.id,
        starts_at=NOW + timedelta(days=2),
        ends_at=NOW + timedelta(days=2, hours=8),
        status=SwapStatus.OFFERED,
    )
    mine_offered = SwapRequest(
        offered_by_id=me.id,
        starts_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=1, hours=2),
        status=SwapStatus.TAKEN,
        taken_by_id=other.id,
    )
    mine_withdrawn = SwapRequest(
        offered_by_id=me.id,
        starts_at=NOW + timedelta(days=1, hours=2),
        ends_at=NOW + timedelta(days=1, hours=4),
        status=SwapStatus.CANCELLED,
    )
    session.add_all([offer, mine_offered, mine_withdrawn])
    session.flush()

    mine = home.mine(session, Scope.for_user(Role.VOLUNTEER, me.id), NOW)

    assert mine is not None
    assert mine.next_shift is not None and mine.next_shift.starts_at == NOW + timedelta(days=1)
    assert not mine.on_duty_now
    assert [(c.id, n) for c, n in mine.calls] == [(took.id, ticket.number)]
    assert [s.id for s in mine.swaps] == [offer.id]
    assert [s.id for s in mine.waiting] == [mine_offered.id]  # the withdrawn one is settled
    assert home.mine(session, Scope.for_user(Role.VOLUNTEER, None), NOW) is None


def test_the_supervisors_home_page(
    app: Flask,
    client: FlaskClient,
    session: Session,
    sign_in: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(app, monkeypatch, clock=lambda: NOW)
    seeded = _seed_today(session)
    sign_in(role=Role.SUPERVISOR)

    html = page(client, "/")

    assert re.search(r'id="home-calls".*?<strong>3</strong>', html, re.S)
    assert re.search(r'id="home-at-risk".*?<strong>1</strong>', html, re.S)
    assert seeded["overdue"].number in html  # type: ignore[attr-defined]
    assert "值班甲" in html and "接班乙" in html
    # Two server-drawn SVG charts, no inline style.
    assert 'id="chart-hours"' in html and 'id="chart-categories"' in html
    assert len(re.findall(r'<rect class="bar"', html)) >= 2
    assert "style=" not in html


def test_a_volunteers_home_page_shows_their_calls_with_whole_numbers(
    app: Flask,
    client: FlaskClient,
    session: Session,
    sign_in: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(app, monkeypatch, clock=lambda: NOW)
    me: Volunteer = factories.VolunteerFactory()
    took = factories.CallFactory(
        answered_by_id=me.id, from_number="+8613800000001", started_at=NOW - timedelta(hours=1)
    )
    factories.CallFactory(answered_by_id=None, from_number="+8613700000002")
    sign_in(role=Role.VOLUNTEER, volunteer_id=me.id)

    html = page(client, "/")

    assert f"/calls/{took.id}" in html
    assert "+8613800000001" in html
    assert "+8613700000002" not in html and "+86137****0002" not in html
    assert 'id="chart-hours"' not in html  # today's figures are for supervisors


def test_a_volunteer_login_without_a_volunteer_gets_a_hint(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    sign_in(role=Role.VOLUNTEER, volunteer_id=None)
    assert "/tickets" in page(client, "/")


def test_a_volunteer_on_duty_until_the_horizon_is_told_when_the_shift_ends(
    app: Flask,
    client: FlaskClient,
    session: Session,
    sign_in: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The only member of a rotation: back-to-back shifts join into one window running now.
    configure(app, monkeypatch, clock=lambda: NOW)
    me: Volunteer = factories.VolunteerFactory()
    OverrideFactory(
        volunteer=me, starts_at=NOW - timedelta(hours=2), ends_at=NOW + timedelta(days=40)
    )
    sign_in(role=Role.VOLUNTEER, volunteer_id=me.id)

    html = page(client, "/")

    assert "您正在值班，至" in html
    assert "未来 30 天内没有班次" not in html  # not while the shift runs
