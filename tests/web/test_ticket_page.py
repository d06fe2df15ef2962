"""Working a ticket in the dashboard: details, notes and status changes, who may do what, the
timeline, and the list's references, assignees and filters."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import (
    EventKind,
    Priority,
    Resident,
    Role,
    Technician,
    Ticket,
    TicketEvent,
    TicketStatus,
    User,
    Volunteer,
)
from tests import factories
from tests.helpers import configure, csrf_token, page, text

TICKET_LINK = re.compile(r'href="/tickets/(\d{4}-\d{6})"')
START = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai


def events(session: Session, ticket: Ticket) -> list[TicketEvent]:
    session.expire_all()
    return list(
        session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        )
    )


def reloaded(session: Session, ticket: Ticket) -> Ticket:
    session.expire_all()
    row = session.get(Ticket, ticket.id)
    assert row is not None
    return row


def status_options(html: str) -> list[str]:
    select_html = re.search(r'<select[^>]*name="status"[^>]*>(.*?)</select>', html, re.S)
    assert select_html, "no status choice on the page"
    return re.findall(r'<option[^>]*value="([^"]*)"', select_html.group(1))


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+" role="status">([^<]*)</p>', html)


@pytest.fixture
def clock(app: Flask, monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The app's clock stopped a day after START."""
    at = START + timedelta(days=1)
    configure(app, monkeypatch, clock=lambda: at)
    return at


# Details


def test_supervisor_sets_the_details_each_change_an_event_and_the_directory_learns(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], clock: datetime
) -> None:
    east = factories.CommunityFactory(name="东湖社区")
    west = factories.CommunityFactory(name="西山社区")
    water = factories.CategoryFactory(code="water_x", name_zh="水电维修", sla_hours=72)
    lock = factories.CategoryFactory(
        code="lock_x", name_zh="紧急开锁", sla_hours=72, urgent_sla_hours=4
    )
    ticket = factories.TicketFactory(
        community=east,
        category=water,
        caller_number="+8613800000001",
        created_at=START,
        due_at=START + timedelta(hours=72),
    )
    user = sign_in(role=Role.SUPERVISOR, display_name="王主管")
    form = {
        "community": str(west.id),
        "address": "  3号楼  2单元 ",
        "category": str(lock.id),
        "priority": "urgent",
        "resident_name": "李阿姨",
    }

    response = client.post(f"/tickets/{ticket.number}/details", data=form)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/tickets/{ticket.number}"
    row = reloaded(session, ticket)
    assert (row.community_id, row.address, row.category_id) == (west.id, "3号楼 2单元", lock.id)
    assert row.priority is Priority.URGENT
    assert row.due_at == START + timedelta(hours=4)  # from the start, not from now
    changes = [
        (e.kind, e.field, e.from_value, e.to_value, e.actor, e.user_id, e.at)
        for e in events(session, ticket)
    ]
    assert changes == [
        (EventKind.FIELD, "community", "东湖社区", "西山社区", "王主管", user.id, clock),
        (EventKind.FIELD, "address", "", "3号楼 2单元", "王主管", user.id, clock),
        (EventKind.FIELD, "category", "water_x", "lock_x", "王主管", user.id, clock),
        (EventKind.FIELD, "priority", "normal", "urgent", "王主管", user.id, clock),
        (EventKind.FIELD, "resident_name", "", "李阿姨", "王主管", user.id, clock),
    ]
    resident = session.scalars(select(Resident)).one()
    assert (resident.number, resident.name, resident.community_id, resident.address) == (
        "+8613800000001",
        "李阿姨",
        west.id,
        "3号楼 2单元",
    )
    html = page(client, f"/tickets/{ticket.number}")
    assert "工单信息已保存。" in flashes(html)
    timeline = html[html.index('id="timeline"') :]
    assert "社区: 东湖社区 → 西山社区" in timeline
    assert "类别: 水电维修 → 紧急开锁" in timeline  # category codes shown by name
    assert "优先级: 普通 → 紧急" in timeline


def test_saving_unchanged_details_records_nothing(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    east = factories.CommunityFactory()
    ticket = factories.TicketFactory(community=east, address="1号楼")
    sign_in()
    form = {"community": str(east.id), "address": "1号楼", "category": "", "priority": "normal"}

    client.post(f"/tickets/{ticket.number}/details", data={**form, "resident_name": ""})

    assert events(session, ticket) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("community", "999999", "社区：不是有效的选择。"),
        ("priority", "whenever", "优先级：不是有效的选择。"),
        ("address", "路" * 201, "地址：字段长度不能超过 200 个字符。"),
    ],
)
def test_bad_details_show_the_form_error_and_change_nothing(
    client: FlaskClient,
    session: Session,
    sign_in: Callable[..., User],
    field: str,
    value: str,
    message: str,
) -> None:
    ticket = factories.TicketFactory(address="1号楼")
    sign_in()
    form = {"community": "", "address": "2号楼", "category": "", "priority": "normal"}

    response = client.post(f"/tickets/{ticket.number}/details", data={**form, field: value})

    assert response.status_code == 400
    assert message in text(response)
    assert reloaded(session, ticket).address == "1号楼"
    assert events(session, ticket) == []


# Notes


def test_a_note_goes_on_the_timeline_with_who_wrote_it(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], clock: datetime
) -> None:
    ticket = factories.TicketFactory()
    user = sign_in(display_name="王主管")

    response = client.post(f"/tickets/{ticket.number}/notes", data={"note": " 已电话联系居民 "})

    assert response.status_code == 302
    [note] = events(session, ticket)
    assert (note.kind, note.note, note.actor, note.user_id, note.at) == (
        EventKind.NOTE,
        "已电话联系居民",
        "王主管",
        user.id,
        clock,
    )
    html = page(client, f"/tickets/{ticket.number}")
    assert "备注已添加。" in flashes(html)
    assert re.search(r'<blockquote class="note">已电话联系居民</blockquote>', html)


@pytest.mark.parametrize("note", ["", "   ", "字" * 2001])
def test_an_empty_or_overlong_note_is_refused(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], note: str
) -> None:
    ticket = factories.TicketFactory()
    sign_in()

    response = client.post(f"/tickets/{ticket.number}/notes", data={"note": note})

    assert response.status_code == 400
    assert "请更正以下问题：" in text(response)
    assert events(session, ticket) == []


# Status


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        (TicketStatus.OPEN, ["assigned", "in_progress", "resolved", "closed"]),
        (TicketStatus.ASSIGNED, ["open", "in_progress", "resolved", "closed"]),
        (TicketStatus.RESOLVED, ["in_progress", "closed"]),
        (TicketStatus.CLOSED, ["in_progress"]),
    ],
)
def test_the_page_offers_only_the_legal_next_statuses(
    client: FlaskClient,
    session: Session,
    sign_in: Callable[..., User],
    status: TicketStatus,
    offered: list[str],
) -> None:
    ticket = factories.TicketFactory(status=status)
    sign_in()

    assert status_options(page(client, f"/tickets/{ticket.number}")) == offered


@pytest.mark.parametrize(
    ("status", "chosen"),
    [
        (TicketStatus.OPEN, "in_progress"),  # "assigned" needs the assign panel's who
        (TicketStatus.ASSIGNED, "in_progress"),
        (TicketStatus.IN_PROGRESS, "resolved"),
        (TicketStatus.RESOLVED, "closed"),
        (TicketStatus.CLOSED, "in_progress"),
    ],
)
def test_the_status_choice_starts_on_the_usual_next_step(
    client: FlaskClient,
    session: Session,
    sign_in: Callable[..., User],
    status: TicketStatus,
    chosen: str,
) -> None:
    # Not the first legal one: an assigned ticket's is "open", a step back.
    ticket = factories.TicketFactory(status=status)
    sign_in()

    select_html = re.search(
        r'<select[^>]*name="status"[^>]*>(.*?)</select>',
        page(client, f"/tickets/{ticket.number}"),
        re.S,
    )

    assert select_html
    assert re.findall(r'<option selected value="([^"]*)"', select_html.group(1)) == [chosen]


def test_resolving_with_a_note_records_the_change(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], clock: datetime
) -> None:
    ticket = factories.TicketFactory(status=TicketStatus.IN_PROGRESS)
    sign_in(display_name="王主管")

    client.post(
        f"/tickets/{ticket.number}/status", data={"status": "resolved", "note": "换了水龙头"}
    )

    row = reloaded(session, ticket)
    assert (row.status, row.resolved_at) == (TicketStatus.RESOLVED, clock)
    [event] = events(session, ticket)
    assert (event.kind, event.from_value, event.to_value, event.note) == (
        EventKind.STATUS,
        "in_progress",
        "resolved",
        "换了水龙头",
    )
    html = page(client, f"/tickets/{ticket.number}")
    assert "状态已改为已解决。" in flashes(html)
    assert "状态: 处理中 → 已解决" in html


@pytest.mark.parametrize(
    ("status", "form", "message"),
    [
        (
            TicketStatus.IN_PROGRESS,
            {"status": "resolved", "note": "  "},
            "请说明处理情况：改为已解决需要填写备注",
        ),
        (TicketStatus.CLOSED, {"status": "assigned"}, "工单不能从已关闭改为已分派"),
        (TicketStatus.OPEN, {"status": "open"}, "工单已经是待处理状态"),
        (TicketStatus.OPEN, {"status": "assigned"}, "请选择派给谁"),
    ],
)
def test_a_refused_status_change_is_flashed_in_chinese_and_changes_nothing(
    client: FlaskClient,
    session: Session,
    sign_in: Callable[..., User],
    status: TicketStatus,
    form: dict[str, str],
    message: str,
) -> None:
    ticket = factories.TicketFactory(status=status)
    sign_in()

    response = client.post(f"/tickets/{ticket.number}/status", data=form, follow_redirects=True)

    assert flashes(text(response)) == [message]
    assert reloaded(session, ticket).status is status
    assert events(session, ticket) == []


def test_a_refusal_is_in_english_on_an_english_page(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    ticket = factories.TicketFactory(status=TicketStatus.CLOSED)
    sign_in(locale="en")

    response = client.post(
        f"/tickets/{ticket.number}/status", data={"status": "resolved"}, follow_redirects=True
    )

    assert flashes(text(response)) == ["a ticket cannot go from Closed to Resolved"]


def test_reopening_a_closed_ticket_keeps_its_clock(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], clock: datetime
) -> None:
    ticket = factories.TicketFactory(
        status=TicketStatus.CLOSED,
        created_at=START,
        due_at=START + timedelta(hours=72),
        closed_at=START + timedelta(hours=1),
    )
    sign_in()

    client.post(f"/tickets/{ticket.number}/status", data={"status": "in_progress"})

    row = reloaded(session, ticket)
    assert (row.status, row.closed_at) == (TicketStatus.IN_PROGRESS, None)
    assert (row.created_at, row.due_at) == (START, START + timedelta(hours=72))


def test_an_unknown_status_is_a_form_error(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    ticket = factories.TicketFactory()
    sign_in()

    response = client.post(f"/tickets/{ticket.number}/status", data={"status": "lost"})

    assert response.status_code == 400
    assert "不是有效的选择" in text(response)
    assert events(session, ticket) == []


def test_changes_need_a_csrf_token(
    app: Flask, client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    ticket = factories.TicketFactory()
    sign_in()
    app.config["WTF_CSRF_ENABLED"] = True

    refused = client.post(f"/tickets/{ticket.number}/notes", data={"note": "hi"})
    assert refused.status_code == 400
    assert events(session, ticket) == []

    token = csrf_token(page(client, f"/tickets/{ticket.number}"))
    done = client.post(f"/tickets/{ticket.number}/notes", data={"note": "hi", "csrf_token": token})
    assert done.status_code == 302
    assert [e.note for e in events(session, ticket)] == ["hi"]


def test_missing_ticket_is_404_for_every_change(
    client: FlaskClient, sign_in: Callable[..., User]
) -> None:
    sign_in()

    for action in ("details", "notes", "status"):
        assert client.post(f"/tickets/2026-999999/{action}", data={}).status_code == 404


# Who may do what


@pytest.fixture
def volunteer(session: Session) -> Volunteer:
    me: Volunteer = factories.VolunteerFactory(name="志愿者甲")
    return me


def test_volunteer_sees_tickets_of_their_calls_and_those_assigned_to_them(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], volunteer: Volunteer
) -> None:
    other = factories.VolunteerFactory()
    now = datetime.now(UTC)
    answered = factories.TicketFactory(
        call=factories.CallFactory(answered_by_id=volunteer.id), created_at=now
    )
    assigned = factories.TicketFactory(
        call=factories.CallFactory(answered_by_id=other.id),
        volunteer=volunteer,
        status=TicketStatus.ASSIGNED,
        created_at=now - timedelta(minutes=1),
    )
    unrelated = factories.TicketFactory(
        call=factories.CallFactory(answered_by_id=other.id), created_at=now
    )
    sign_in(role=Role.VOLUNTEER, volunteer_id=volunteer.id)

    listed = TICKET_LINK.findall(page(client, "/tickets"))
    mine = TICKET_LINK.findall(page(client, "/tickets?mine=y"))

    assert listed == [answered.number, assigned.number]
    assert mine == [assigned.number]
    assert client.get(f"/tickets/{assigned.number}").status_code == 200
    assert client.get(f"/tickets/{unrelated.number}").status_code == 403
    assert client.post(f"/tickets/{unrelated.number}/notes", data={"note": "x"}).status_code == 403


def test_assigned_volunteer_notes_and_moves_status_but_not_the_details(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], volunteer: Volunteer
) -> None:
    call = factories.CallFactory(answered_by_id=factories.VolunteerFactory().id)
    ticket = factories.TicketFactory(
        call=call, volunteer=volunteer, status=TicketStatus.ASSIGNED, address="1号楼"
    )
    sign_in(role=Role.VOLUNTEER, volunteer_id=volunteer.id, display_name="志愿者甲")

    html = page(client, f"/tickets/{ticket.number}")
    assert f'action="/tickets/{ticket.number}/details"' not in html
    assert f'href="/calls/{call.id}"' not in html  # the call itself is not theirs
    assert "志愿者甲" in html  # the assignee
    assert (
        client.post(f"/tickets/{ticket.number}/notes", data={"note": "明早上门"}).status_code == 302
    )
    assert (
        client.post(f"/tickets/{ticket.number}/status", data={"status": "in_progress"}).status_code
        == 302
    )
    form = {"community": "", "address": "2号楼", "category": "", "priority": "urgent"}
    assert client.post(f"/tickets/{ticket.number}/details", data=form).status_code == 403

    row = reloaded(session, ticket)
    assert (row.status, row.address, row.priority) == (
        TicketStatus.IN_PROGRESS,
        "1号楼",
        Priority.NORMAL,
    )
    assert [e.kind for e in events(session, ticket)] == [EventKind.NOTE, EventKind.STATUS]


def test_volunteer_login_without_a_volunteer_sees_no_tickets_even_unassigned(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    ticket = factories.TicketFactory()
    sign_in(role=Role.VOLUNTEER, volunteer_id=None)

    assert TICKET_LINK.findall(page(client, "/tickets")) == []
    assert TICKET_LINK.findall(page(client, "/tickets?mine=y")) == []
    assert client.get(f"/tickets/{ticket.number}").status_code == 403


def test_assigned_to_me_is_offered_only_to_volunteers(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], volunteer: Volunteer
) -> None:
    sign_in(role=Role.VOLUNTEER, volunteer_id=volunteer.id)
    assert 'name="mine"' in page(client, "/tickets")
    client.post("/logout")
    sign_in(role=Role.SUPERVISOR)
    assert 'name="mine"' not in page(client, "/tickets")


# The page and the list


def test_ticket_page_shows_reference_resident_address_assignee_and_satisfaction(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    technician = Technician(name="刘师傅", mobile="+8613900000001")
    session.add(technician)
    resident = Resident(number="+8613800000001", name="李阿姨")
    session.add(resident)
    ticket = factories.TicketFactory(
        ref="4821",
        caller_number="+8613800000001",
        resident=resident,
        address="3号楼2单元",
        community=factories.CommunityFactory(name="东湖社区"),
        technician=technician,
        status=TicketStatus.RESOLVED,
        satisfaction=4,
    )
    sign_in(role=Role.SUPERVISOR)

    html = page(client, f"/tickets/{ticket.number}")

    for shown in ("#4821", "李阿姨", "3号楼2单元", "东湖社区", "刘师傅", "4 / 5"):
        assert shown in html, shown


def test_a_volunteer_sees_the_callers_number_of_a_ticket_assigned_to_them(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], volunteer: Volunteer
) -> None:
    # Issue 10: numbers are masked for volunteers except on their own tickets and calls.
    ticket = factories.TicketFactory(volunteer=volunteer, caller_number="+8613800000001")
    sign_in(role=Role.VOLUNTEER, volunteer_id=volunteer.id)

    html = page(client, f"/tickets/{ticket.number}")

    assert "+8613800000001" in html
    assert "+86138****0001" not in html


def test_the_timeline_interleaves_ticket_and_call_events_oldest_first(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    call = factories.CallFactory()
    ticket = factories.TicketFactory(call=call, created_at=START)
    for kind, offset in (("incoming", 0), ("status", 120)):
        factories.CallEventFactory(
            call=call,
            kind=kind,
            payload={"CallStatus": "completed"},
            received_at=START + timedelta(seconds=offset),
        )
    for kind, offset, note in (
        (EventKind.CREATED, 1, ""),
        (EventKind.NOTE, 60, "居民说明天在家"),
        (EventKind.NOTE, 600, "已派师傅"),
    ):
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind=kind,
                actor="system" if kind is EventKind.CREATED else "王主管",
                at=START + timedelta(seconds=offset),
                note=note,
            )
        )
    sign_in()

    html = page(client, f"/tickets/{ticket.number}")

    timeline = html[html.index('id="timeline"') :]
    assert re.findall(r"<strong>([^<]+)</strong>", timeline) == [
        "来电接入",
        "工单创建",
        "备注",
        "通话状态",
        "备注",
    ]
    assert timeline.index("居民说明天在家") < timeline.index("已派师傅")


def test_list_shows_the_short_reference_and_the_assignee(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], volunteer: Volunteer
) -> None:
    ticket = factories.TicketFactory(ref="0427", volunteer=volunteer)
    sign_in()

    html = page(client, "/tickets")

    link = rf'<td[^>]*><a href="/tickets/{ticket.number}">'
    row = re.search(rf"<tr[^>]*>\s*{link}.*?</tr>", html, re.S)
    assert row is not None
    assert '<span class="ticket-ref">#0427</span>' in row.group(0)
    assert '<td data-label="负责人">志愿者甲</td>' in row.group(0)


def test_the_clocks_alerts_call_backs_and_ratings_read_as_words(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    ticket = factories.TicketFactory(created_at=START)
    for kind, field, value in (
        (EventKind.SLA, "sla", "warning"),
        (EventKind.SLA, "sla", "breach"),
        (EventKind.CALLBACK, "callback", "completed"),
        (EventKind.RATED, "", "2"),
    ):
        session.add(
            TicketEvent(ticket_id=ticket.id, kind=kind, field=field, to_value=value, at=START)
        )
    sign_in()

    html = page(client, f"/tickets/{ticket.number}")

    changes = re.findall(r'<span class="change">([^<]+)</span>', html)
    assert changes == ["承诺时限已用去80%", "已超过承诺时限", "已完成", "2 / 5"]


@pytest.mark.parametrize("transcribed", [False, True])
def test_a_voicemails_transcript_shows_once_in_its_player(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], transcribed: bool
) -> None:
    call = factories.CallFactory()
    recording = factories.RecordingFactory(call=call)
    if transcribed:
        factories.TranscriptFactory(recording=recording, text="三号楼水管爆了")
    text_of_ticket = "三号楼水管爆了" if transcribed else ""
    ticket = factories.TicketFactory(
        call=call, recording_id=recording.id, transcript_text=text_of_ticket
    )
    sign_in()

    html = page(client, f"/tickets/{ticket.number}")

    assert html.count('id="voicemail"') == 1
    assert html.count("暂无转写文本") == (0 if transcribed else 1)
    assert html.count("三号楼水管爆了") == (1 if transcribed else 0)


def test_a_ticket_without_a_voicemail_keeps_its_transcript_card(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    ticket = factories.TicketFactory(transcript_text="")
    sign_in()

    html = page(client, f"/tickets/{ticket.number}")

    assert 'id="voicemail"' not in html
    assert html.count("暂无转写文本") == 1
