"""The public page at /r and the blocked numbers' page, through the test client: the steps,
the verified marker, the honeypot, the limits, escaping, photos."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import AuditEntry, BlockedNumber, Ticket, TicketSource, User, VerificationCode
from hotline.telephony import FakeTelephony
from hotline.tickets import intake, residents
from hotline.web.online.routes import VERIFIED_FOR
from tests.factories import CallFactory, CategoryFactory, CommunityFactory
from tests.helpers import text
from tests.online.conftest import NUMBER, jpeg, texted_code


def verify(client: FlaskClient, telephony: FakeTelephony, then: str = "new") -> None:
    """Prove NUMBER through the two steps."""
    sent = client.post(f"/r?then={then}", data={"number": "138 0013 8000"})
    assert sent.status_code == 302 and sent.location.endswith("/r/code")
    proved = client.post("/r/code", data={"code": texted_code(telephony)})
    assert proved.status_code == 302
    assert proved.location.endswith("/r/mine" if then == "mine" else "/r/new")


def test_the_whole_report_with_a_photo(
    client: FlaskClient, session: Session, telephony: FakeTelephony
) -> None:
    category, community = CategoryFactory(), CommunityFactory(name="东湖社区")
    retired = CategoryFactory(active=False)
    session.commit()
    assert "手机号" in text(client.get("/r"))
    verify(client, telephony)
    form = text(client.get("/r/new"))
    assert category.name_zh in form and "东湖社区" in form and retired.name_zh not in form

    filed = client.post(
        "/r/new",
        data={
            "category": str(category.id),
            "community": str(community.id),
            "address": "3栋501",
            "description": "<script>alert(1)</script>水管漏水",
            "photos": [(io.BytesIO(jpeg()), "leak.jpg")],
        },
        content_type="multipart/form-data",
    )

    assert filed.status_code == 302, text(filed)
    ticket = session.scalars(select(Ticket).where(Ticket.caller_number == NUMBER)).one()
    assert filed.location.endswith(f"/r/done/{ticket.number}")
    assert ticket.source is TicketSource.WEB and ticket.address == "3栋501"
    assert ticket.ref is not None and ticket.ref in text(client.get(filed.location))
    mine = text(client.get("/r/mine"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;水管漏水" in mine and "<script>alert" not in mine
    assert "您添加了照片" in mine


def test_a_resident_known_from_calls_finds_the_form_filled(
    client: FlaskClient, session: Session, telephony: FakeTelephony
) -> None:
    community = CommunityFactory()
    residents.remember(
        session, Ticket(caller_number=NUMBER, community_id=community.id, address="5栋101")
    )
    session.commit()
    verify(client, telephony)
    form = text(client.get("/r/new"))
    assert 'value="5栋101"' in form
    assert f'<option selected value="{community.id}">' in form


def test_my_tickets_lists_calls_and_web_reports(
    client: FlaskClient, session: Session, telephony: FakeTelephony
) -> None:
    call = CallFactory(from_number=NUMBER)
    by_phone = intake.open_for_call(
        session, call, now=utcnow(), timezone="Asia/Shanghai", sla_hours=72
    )
    session.commit()
    verify(client, telephony, then="mine")
    page = text(client.get("/r/mine"))
    assert by_phone.ref is not None and by_phone.ref in page and "电话" in page


def test_without_a_code_the_pages_send_you_to_the_first_step(client: FlaskClient) -> None:
    for path, then in (("/r/mine", "mine"), ("/r/new", "new")):
        response = client.get(path)
        assert response.status_code == 302 and response.location.endswith(f"/r?then={then}")
    assert client.get("/r/code").location.endswith("/r")


def test_the_marker_expires(app: Flask, client: FlaskClient, telephony: FakeTelephony) -> None:
    verify(client, telephony, then="mine")
    assert client.get("/r/mine").status_code == 200
    later = utcnow() + VERIFIED_FOR + timedelta(seconds=1)
    app.extensions["hotline.clock"] = lambda: later
    assert client.get("/r/mine").status_code == 302


def test_logging_out_forgets_the_number(client: FlaskClient, telephony: FakeTelephony) -> None:
    verify(client, telephony, then="mine")
    client.post("/r/logout")
    assert client.get("/r/mine").status_code == 302


def test_a_wrong_code_says_how_many_tries_are_left(
    client: FlaskClient, session: Session, telephony: FakeTelephony
) -> None:
    client.post("/r", data={"number": "13800138000"})
    code = texted_code(telephony)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = client.post("/r/code", data={"code": wrong})
    assert response.status_code == 400 and "4" in text(response)
    row = session.scalars(select(VerificationCode)).one()
    assert row.attempts == 1  # the wrong try was committed


def test_the_honeypot_sends_nothing(
    client: FlaskClient, session: Session, telephony: FakeTelephony
) -> None:
    response = client.post("/r", data={"number": "13800138000", "website": "http://spam"})
    assert response.status_code == 302
    assert telephony.sms == []
    assert session.scalars(select(VerificationCode)).all() == []


def test_posts_are_limited_per_address(client: FlaskClient, telephony: FakeTelephony) -> None:
    statuses = [client.post("/r", data={"number": "12"}).status_code for _ in range(31)]
    assert statuses[:30] == [400] * 30 and statuses[30] == 429
    assert telephony.sms == []


def test_a_supervisor_blocks_and_unblocks_a_number(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], telephony: FakeTelephony
) -> None:
    sign_in(role="supervisor")
    assert (
        client.post(
            "/blocked-numbers", data={"number": "13800138000", "reason": "骚扰"}
        ).status_code
        == 302
    )
    row = session.scalars(select(BlockedNumber)).one()
    assert row.number == NUMBER and "骚扰" in text(client.get("/blocked-numbers"))

    refused = client.post("/r", data={"number": "13800138000"})
    assert refused.status_code == 400 and telephony.sms == []

    assert client.post(f"/blocked-numbers/{row.id}/unblock").status_code == 302
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["number.block", "number.unblock"]
    assert session.scalars(select(BlockedNumber)).all() == []


def test_volunteers_cannot_block(client: FlaskClient, sign_in: Callable[..., User]) -> None:
    sign_in(role="volunteer")
    assert client.get("/blocked-numbers").status_code == 403


def test_the_visit_window_and_the_web_source_show(
    client: FlaskClient, session: Session, telephony: FakeTelephony, sign_in: Callable[..., User]
) -> None:
    category, community = CategoryFactory(), CommunityFactory()
    session.commit()
    verify(client, telephony)
    client.post(
        "/r/new",
        data={
            "category": str(category.id),
            "community": str(community.id),
            "address": "1栋",
            "description": "门锁坏了",
        },
    )
    ticket = session.scalars(select(Ticket).where(Ticket.caller_number == NUMBER)).one()
    ticket.visit_from = utcnow() + timedelta(hours=2)
    ticket.visit_until = utcnow() + timedelta(hours=4)
    session.commit()
    assert "师傅上门时间" in text(client.get("/r/mine"))

    sign_in(role="supervisor")
    assert "网上报修" in text(client.get(f"/tickets/{ticket.number}"))


def test_a_file_that_is_not_a_photo_files_nothing(
    client: FlaskClient, session: Session, telephony: FakeTelephony
) -> None:
    category, community = CategoryFactory(), CommunityFactory()
    session.commit()
    verify(client, telephony)
    response = client.post(
        "/r/new",
        data={
            "category": str(category.id),
            "community": str(community.id),
            "address": "1栋",
            "description": "漏水",
            "photos": [(io.BytesIO(b"%PDF-1.4 not a picture"), "leak.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and 'class="error"' in text(response)
    assert session.scalars(select(Ticket).where(Ticket.caller_number == NUMBER)).all() == []


def test_a_request_larger_than_its_photos_is_refused_before_it_is_read(
    make_app: Callable[..., Flask], telephony: FakeTelephony
) -> None:
    client = make_app(photo_max_bytes=1000).test_client()
    verify(client, telephony)
    big = {"photos": [(io.BytesIO(b"x" * 200_000), "a.jpg")], "address": "1栋"}
    response = client.post("/r/new", data=big, content_type="multipart/form-data")
    assert response.status_code == 413


def test_a_note_goes_on_ones_own_ticket_only(
    client: FlaskClient, session: Session, telephony: FakeTelephony
) -> None:
    mine = intake.open_for_call(
        session,
        CallFactory(from_number=NUMBER),
        now=utcnow(),
        timezone="Asia/Shanghai",
        sla_hours=72,
    )
    other = intake.open_for_call(
        session, CallFactory(), now=utcnow(), timezone="Asia/Shanghai", sla_hours=72
    )
    session.commit()
    verify(client, telephony, then="mine")

    added = client.post(f"/r/mine/{mine.number}/note", data={"note": "<b>晚上</b>在家"})
    assert added.status_code == 302 and added.location.endswith("/r/mine?done=note")
    page = text(client.get("/r/mine?done=note"))
    assert "您的补充说明已添加" in page and "&lt;b&gt;晚上&lt;/b&gt;在家" in page
    assert client.post(f"/r/mine/{other.number}/note", data={"note": "x"}).status_code == 404


def test_a_code_the_carrier_refused_to_send_is_said(
    client: FlaskClient, telephony: FakeTelephony
) -> None:
    telephony.fail_sms = True
    response = client.post("/r", data={"number": "13800138000"})
    assert response.status_code == 400 and "短信发送失败" in text(response)
    assert client.get("/r/code").location.endswith("/r")
