"""The technician's signed link: the job SMS carries it when the ticket has photos; it opens
that ticket's photos (audited, nobody signed in) until it expires by the app's clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import dispatch
from hotline.db import utcnow
from hotline.messaging.texts import text
from hotline.models import AuditEntry
from hotline.photos import PhotoLinks
from hotline.settings import Settings
from hotline.tasks.dispatch import notify_assignment
from hotline.telephony import FakeTelephony
from hotline.tickets.workflow import Actor
from tests.dispatch.factories import TechnicianFactory
from tests.factories import TicketFactory
from tests.helpers import PUBLIC_BASE_URL, configure
from tests.photos.conftest import WithPhoto

BOSS = Actor("主管", None)


def link_path(settings: Settings, ticket_id: int) -> str:
    return PhotoLinks.of(settings).url(ticket_id, utcnow()).removeprefix(PUBLIC_BASE_URL)


def test_the_job_sms_carries_a_link_that_opens_the_tickets_photos(
    app: Flask,
    client: FlaskClient,
    session: Session,
    settings: Settings,
    telephony: FakeTelephony,
    monkeypatch: pytest.MonkeyPatch,
    with_photo: WithPhoto,
) -> None:
    sent = utcnow()
    configure(app, monkeypatch, clock=lambda: sent)
    tech = TechnicianFactory()
    assigned = dispatch.assign(session, with_photo.ticket.number, BOSS, sent, technician_id=tech.id)
    session.commit()

    notify_assignment(assigned.event_id)

    url = PhotoLinks.of(settings).url(with_photo.ticket.id, sent)
    job = text(
        "sms.dispatch_assigned",
        ref="5150",
        category="—",
        community="—",
        address="幸福路8号",
        note="—",
    )
    assert telephony.sms == [(tech.mobile, job + text("sms.dispatch_photos", url=url))]
    assert url.startswith(f"{PUBLIC_BASE_URL}/p/")
    path = url.removeprefix(PUBLIC_BASE_URL)
    image = f"{path}/{with_photo.photo.id}"
    assert f'src="{image}"' in client.get(path).get_data(as_text=True)
    response = client.get(image)
    assert (response.status_code, response.mimetype) == (200, "image/jpeg")
    assert response.headers["Cache-Control"] == "private"
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "photo.view"))
    assert (entry.user_id, entry.username, entry.target) == (
        None,
        "",
        f"photo:{with_photo.photo.id}",
    )
    assert entry.detail == f"ticket {with_photo.ticket.number}, signed link"


def test_a_ticket_without_photos_gets_no_link(
    app: Flask, session: Session, telephony: FakeTelephony
) -> None:
    ticket = TicketFactory(ref="7001")
    assigned = dispatch.assign(
        session, ticket.number, BOSS, utcnow(), technician_id=TechnicianFactory().id
    )
    session.commit()

    notify_assignment(assigned.event_id)

    [(_to, body)] = telephony.sms
    assert "/p/" not in body


def test_the_link_expires_by_the_apps_clock(
    app: Flask,
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    with_photo: WithPhoto,
) -> None:
    sent = utcnow()
    configure(app, monkeypatch, photo_link_hours=24)
    path = PhotoLinks.of(app.extensions["hotline.settings"]).url(with_photo.ticket.id, sent)
    path = path.removeprefix(PUBLIC_BASE_URL)
    image = f"{path}/{with_photo.photo.id}"

    configure(app, monkeypatch, clock=lambda: sent + timedelta(hours=23, minutes=59))
    assert client.get(path).status_code == 200
    assert client.get(image).status_code == 200

    configure(app, monkeypatch, clock=lambda: sent + timedelta(hours=24))
    client.set_cookie("lang", "en")
    expired = client.get(path)
    assert expired.status_code == 404
    assert "<h1>Link expired</h1>" in expired.get_data(as_text=True)
    assert client.get(image).status_code == 404


def test_a_link_opens_only_its_own_tickets_photos(
    client: FlaskClient, session: Session, settings: Settings, with_photo: WithPhoto
) -> None:
    other = TicketFactory()
    session.commit()
    path = link_path(settings, other.id)

    assert client.get(path).status_code == 200
    assert client.get(f"{path}/{with_photo.photo.id}").status_code == 404
    assert client.get(f"{link_path(settings, with_photo.ticket.id)}x").status_code == 404
    assert client.get("/p/" + "1.9999999999.abc").status_code == 404
