"""Talent pool pages and the ticket page's assign panel (supervisors and administrators)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import EventKind, Role, Technician, Ticket, TicketEvent, TicketStatus, User
from hotline.tasks import dispatch as dispatch_tasks
from hotline.telephony import FakeTelephony
from tests.dispatch.factories import TechnicianFactory
from tests.factories import CategoryFactory, CommunityFactory, TicketFactory
from tests.helpers import page, text
from tests.rota.factories import VolunteerFactory


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Assignment events whose job SMS the pages queued."""
    events: list[int] = []
    monkeypatch.setattr(dispatch_tasks.notify_assignment, "delay", events.append)
    return events


def test_the_list_shows_each_technicians_load(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    water = CategoryFactory(name_zh="水电维修")
    east = CommunityFactory(name="东城社区")
    tech = TechnicianFactory(name="王师傅", skills=[water], communities=[east])
    TechnicianFactory(name="老李", active=False)
    for status in (TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED):
        TicketFactory(technician=tech, status=status)
    sign_in(role=Role.SUPERVISOR)
    html = page(client, "/technicians")
    row = re.search(r"<tr>\s*<td[^>]*><a[^>]*>王师傅</a>.*?</tr>", html, re.S)
    assert row is not None
    assert "水电维修" in row.group(0) and "东城社区" in row.group(0)
    assert 'class="load">2</td>' in row.group(0)
    assert re.search(r'<tr class="inactive">\s*<td[^>]*><a[^>]*>老李</a>', html)


@pytest.mark.parametrize("role", [Role.VOLUNTEER])
def test_volunteers_cannot_see_the_pool(
    client: FlaskClient, sign_in: Callable[..., User], role: Role
) -> None:
    sign_in(role=role)
    assert client.get("/technicians").status_code == 403
    assert (
        client.post("/technicians/new", data={"name": "x", "mobile": "13800000000"}).status_code
        == 403
    )


def test_create_edit_and_deactivate(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    water, lock = CategoryFactory(code="w1"), CategoryFactory(code="l1")
    east = CommunityFactory()
    sign_in(role=Role.ADMIN)
    response = client.post(
        "/technicians/new",
        data={
            "name": "王师傅",
            "mobile": "138 0000 4321",
            "skills": [str(water.id), str(lock.id)],
            "communities": [str(east.id)],
            "active": "y",
        },
    )
    assert response.status_code == 302
    tech = session.scalars(select(Technician)).one()
    assert (tech.mobile, {c.code for c in tech.skills}, tech.communities) == (
        "+8613800004321",
        {"w1", "l1"},
        [east],
    )
    form = page(client, f"/technicians/{tech.id}")
    assert 'value="王师傅"' in form and "checked" in form
    response = client.post(
        f"/technicians/{tech.id}", data={"name": "王大师傅", "mobile": "13800004321", "active": "y"}
    )
    assert response.status_code == 302
    session.expire_all()
    assert (tech.name, tech.skills, tech.communities) == ("王大师傅", [], [])
    response = client.post(f"/technicians/{tech.id}/active", data={"active": "0"})
    assert response.status_code == 302
    session.expire_all()
    assert tech.active is False


def test_a_taken_mobile_is_refused_on_the_form(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    TechnicianFactory(name="先来的", mobile="+8613800004321")
    sign_in(role=Role.SUPERVISOR)
    response = client.post("/technicians/new", data={"name": "后来的", "mobile": "13800004321"})
    assert response.status_code == 200
    assert "先来的已使用这个手机号" in text(response)
    assert len(session.scalars(select(Technician)).all()) == 1


def test_an_unknown_technician_is_a_404(client: FlaskClient, sign_in: Callable[..., User]) -> None:
    sign_in(role=Role.SUPERVISOR)
    assert client.get("/technicians/999999").status_code == 404
    assert client.get("/technicians/99999999999").status_code == 404


def test_import_page_all_or_nothing(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    CategoryFactory(code="water")
    sign_in(role=Role.SUPERVISOR)
    bad = "姓名,手机,技能\n王师傅,13800000101,water\n李师傅,123,木工\n".encode("gb18030")
    response = client.post(
        "/technicians/import",
        data={"file": (io.BytesIO(bad), "pool.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = text(response)
    assert "第3行，mobile：not a mobile number: &#39;123&#39;" in html
    assert "第3行，skills：unknown category &#39;木工&#39;" in html
    assert session.scalars(select(Technician)).all() == []
    good = "name,mobile,skills\n王师傅,13800000101,water\n".encode("utf-8-sig")
    response = client.post(
        "/technicians/import",
        data={"file": (io.BytesIO(good), "pool.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert [t.name for t in session.scalars(select(Technician))] == ["王师傅"]


def test_the_panel_suggests_and_assigns_then_queues_the_sms(
    app: Flask,
    client: FlaskClient,
    session: Session,
    sign_in: Callable[..., User],
    queued: list[int],
    telephony: FakeTelephony,
) -> None:
    water = CategoryFactory()
    east = CommunityFactory()
    ticket = TicketFactory(ref="6161", category=water, community=east)
    best = TechnicianFactory(name="对口师傅", skills=[water], communities=[east])
    other = TechnicianFactory(name="别的师傅")
    volunteer = VolunteerFactory(name="小志")
    sign_in(role=Role.SUPERVISOR, display_name="刘主管")
    html = page(client, f"/tickets/{ticket.number}")
    panel = re.search(r'<div class="assign-panel".*?</div>', html, re.S)
    assert panel is not None
    options = re.findall(r'<option value="([tv]:\d+)"', panel.group(0))
    assert options == [f"t:{best.id}", f"t:{other.id}"]  # volunteers: typed by name
    assert 'data-picker="/rota/people.json?technicians=1"' in panel.group(0)
    assert volunteer.name not in panel.group(0)
    assert "selected" in panel.group(0).split(f"t:{other.id}")[0]

    response = client.post(
        f"/tickets/{ticket.number}/assign",
        data={"assignee": f"t:{best.id}", "note": "带上扳手"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tickets/{ticket.number}"
    session.expire_all()
    assert (ticket.status, ticket.technician_id) == (TicketStatus.ASSIGNED, best.id)
    event = session.scalars(
        select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.ASSIGNED
        )
    ).one()
    assert (event.actor, event.to_value, event.note) == ("刘主管", "对口师傅", "带上扳手")
    assert queued == [event.id]
    assert telephony.sms == []  # only the worker texts, after the commit
    dispatch_tasks.notify_assignment(event.id)
    assert [to for to, _ in telephony.sms] == [best.mobile]


def test_assigning_a_volunteer_queues_no_sms(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], queued: list[int]
) -> None:
    ticket = TicketFactory()
    volunteer = VolunteerFactory()
    sign_in(role=Role.SUPERVISOR)
    response = client.post(
        f"/tickets/{ticket.number}/assign", data={"assignee": f"v:{volunteer.id}"}
    )
    assert response.status_code == 302
    session.expire_all()
    assert ticket.volunteer_id == volunteer.id and queued == []


def test_a_refused_assignment_is_flashed_and_changes_nothing(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], queued: list[int]
) -> None:
    ticket = TicketFactory()
    asleep = TechnicianFactory(name="停用师傅", active=False)
    sign_in(role=Role.SUPERVISOR)
    response = client.post(
        f"/tickets/{ticket.number}/assign",
        data={"assignee": f"t:{asleep.id}"},
        follow_redirects=True,
    )
    assert "停用师傅" in text(response)
    session.expire_all()
    assert (ticket.status, ticket.technician_id, queued) == (TicketStatus.OPEN, None, [])


def test_assigning_by_name_a_volunteer_or_a_technician(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], queued: list[int]
) -> None:
    first, second = TicketFactory(), TicketFactory()
    volunteer = VolunteerFactory(name="王芳")
    technician = TechnicianFactory(name="李师傅")
    sign_in(role=Role.SUPERVISOR)

    for ticket, typed in ((first, "王芳"), (second, f"李师傅 #t{technician.id}")):
        response = client.post(
            f"/tickets/{ticket.number}/assign",
            data={"assignee": f"t:{technician.id}", "person": typed},  # the typed name wins
        )
        assert response.status_code == 302

    session.expire_all()
    assert (first.volunteer_id, first.technician_id) == (volunteer.id, None)
    assert second.technician_id == technician.id and len(queued) == 1


def test_an_ambiguous_or_missing_name_is_explained(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], queued: list[int]
) -> None:
    ticket = TicketFactory()
    VolunteerFactory(name="王芳", mobile="+8613800000001")
    TechnicianFactory(name="王芳", mobile="+8613600000002")
    sign_in(role=Role.SUPERVISOR)

    def answer(data: dict[str, str]) -> str:
        url = f"/tickets/{ticket.number}/assign"
        return text(client.post(url, data=data, follow_redirects=True))

    assert "有多人叫 王芳：王芳 (—, +86136****0002), 王芳 (—, +86138****0001)" in answer(
        {"person": "王芳"}
    )
    assert "没有叫这个名字或使用这个号码的人：赵六" in answer({"person": "赵六"})
    assert "请选择维修人员，或输入姓名" in answer({})
    session.expire_all()
    assert (ticket.status, queued) == (TicketStatus.OPEN, [])


@pytest.mark.parametrize("assignee", ["x:1", "t:", "t:abc", "t:99999999999", "t:-1"])
def test_unreadable_choices_are_a_400(
    client: FlaskClient, sign_in: Callable[..., User], session: Session, assignee: str
) -> None:
    ticket = TicketFactory()
    sign_in(role=Role.SUPERVISOR)
    response = client.post(f"/tickets/{ticket.number}/assign", data={"assignee": assignee})
    assert response.status_code == 400


def test_an_unknown_ticket_is_a_404(
    client: FlaskClient, sign_in: Callable[..., User], session: Session
) -> None:
    tech = TechnicianFactory()
    sign_in(role=Role.SUPERVISOR)
    response = client.post("/tickets/2026-777777/assign", data={"assignee": f"t:{tech.id}"})
    assert response.status_code == 404


def test_volunteers_see_no_panel_and_cannot_assign(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    volunteer = VolunteerFactory()
    tech = TechnicianFactory()
    ticket = TicketFactory(volunteer=volunteer, status=TicketStatus.ASSIGNED)
    sign_in(role=Role.VOLUNTEER, volunteer_id=volunteer.id)
    html = page(client, f"/tickets/{ticket.number}")
    assert "assign-panel" not in html and "/assign" not in html
    response = client.post(f"/tickets/{ticket.number}/assign", data={"assignee": f"t:{tech.id}"})
    assert response.status_code == 403


def test_a_closed_ticket_shows_no_panel(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    ticket: Ticket = TicketFactory(status=TicketStatus.CLOSED)
    sign_in(role=Role.SUPERVISOR)
    assert "assign-panel" not in page(client, f"/tickets/{ticket.number}")


def test_the_panel_posts_with_its_csrf_token_and_the_sms_webhook_needs_none(
    app: Flask,
    client: FlaskClient,
    session: Session,
    sign_in: Callable[..., User],
    queued: list[int],
) -> None:
    ticket = TicketFactory()
    tech = TechnicianFactory()
    sign_in(role=Role.SUPERVISOR)
    app.config["WTF_CSRF_ENABLED"] = True
    html = page(client, f"/tickets/{ticket.number}")
    url = f"/tickets/{ticket.number}/assign"
    assert client.post(url, data={"assignee": f"t:{tech.id}"}).status_code == 400
    token = re.search(
        r'action="/tickets/[^"]+/assign">\s*<input id="csrf_token" name="csrf_token" '
        r'type="hidden" value="([^"]+)"',
        html,
    )
    assert token is not None
    response = client.post(url, data={"assignee": f"t:{tech.id}", "csrf_token": token.group(1)})
    assert response.status_code == 302 and len(queued) == 1
    # The carrier's webhook proves itself by signature instead (403 here: unsigned, not 400).
    assert client.post("/sms/incoming", data={"MessageSid": "SM1"}).status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/technicians"),
        ("get", "/technicians/new"),
        ("get", "/technicians/1"),
        ("post", "/technicians/1/active"),
        ("post", "/technicians/import"),
        ("post", "/tickets/2026-000001/assign"),
    ],
)
def test_anonymous_users_are_sent_to_login(client: FlaskClient, method: str, path: str) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
