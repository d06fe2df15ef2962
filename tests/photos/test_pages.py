"""Photos on the dashboard: shown on the ticket page and served to those who may see the
ticket (image/jpeg, Cache-Control: private, audited), added there through a bounded form."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.models import AuditEntry, EventKind, Role, TicketEvent, TicketPhoto, User
from hotline.photos import photos_of
from tests import factories
from tests.helpers import configure, csrf_token, page
from tests.photos import images
from tests.photos.conftest import WithPhoto


def photo_url(found: WithPhoto) -> str:
    return f"/tickets/{found.ticket.number}/photos/{found.photo.id}"


def audits(session: Session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+" role="status">([^<]*)</p>', html)


def post_photo(
    client: FlaskClient, number: str, data: bytes, name: str = "photo.jpg", **fields: str
) -> TestResponse:
    """POST a file (and other fields) to the ticket's photo form."""
    return client.post(
        f"/tickets/{number}/photos",
        data={**fields, "photo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def upload(client: FlaskClient, number: str, data: bytes, name: str = "photo.jpg") -> str:
    """POST a file to the ticket's photo form (in English) and return the ticket page it
    leads to."""
    client.set_cookie("lang", "en")
    response = post_photo(client, number, data, name)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tickets/{number}#photos")
    return page(client, f"/tickets/{number}")


def test_a_supervisor_sees_the_photo_served_privately_and_audited(
    client: FlaskClient,
    session: Session,
    sign_in: Callable[..., User],
    with_photo: WithPhoto,
    recordings_dir: Path,
) -> None:
    user = sign_in(role=Role.SUPERVISOR)

    html = page(client, f"/tickets/{with_photo.ticket.number}")
    assert f'src="{photo_url(with_photo)}"' in html
    response = client.get(photo_url(with_photo))

    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "private"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == (recordings_dir / with_photo.photo.path).read_bytes()
    assert response.data.startswith(b"\xff\xd8") and b"GPS" not in response.data
    [entry] = audits(session, "photo.view")
    assert (entry.user_id, entry.target, entry.detail) == (
        user.id,
        f"photo:{with_photo.photo.id}",
        f"ticket {with_photo.ticket.number}",
    )


def test_a_volunteer_outside_the_tickets_scope_gets_403_and_nothing_is_audited(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], with_photo: WithPhoto
) -> None:
    sign_in(role=Role.VOLUNTEER, volunteer_id=factories.VolunteerFactory().id)

    assert client.get(photo_url(with_photo)).status_code == 403
    assert (
        post_photo(client, with_photo.ticket.number, images.phone_jpeg(90, 40)).status_code == 403
    )
    assert audits(session, "photo.view") == []
    assert len(photos_of(session, with_photo.ticket.id)) == 1


def test_the_volunteer_the_ticket_is_assigned_to_sees_its_photo(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], with_photo: WithPhoto
) -> None:
    volunteer = factories.VolunteerFactory()
    with_photo.ticket.volunteer_id = volunteer.id
    session.commit()
    sign_in(role=Role.VOLUNTEER, volunteer_id=volunteer.id)

    response = client.get(photo_url(with_photo))
    assert (response.status_code, response.mimetype) == (200, "image/jpeg")


def test_signed_out_visitors_are_sent_to_the_login(
    client: FlaskClient, with_photo: WithPhoto
) -> None:
    response = client.get(photo_url(with_photo))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_photo_is_served_only_under_its_own_ticket(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], with_photo: WithPhoto
) -> None:
    other = factories.TicketFactory()
    session.commit()
    sign_in(role=Role.SUPERVISOR)

    assert client.get(f"/tickets/{other.number}/photos/{with_photo.photo.id}").status_code == 404
    assert client.get(f"/tickets/{with_photo.ticket.number}/photos/999999").status_code == 404
    assert client.get(f"/tickets/{with_photo.ticket.number}/photos/{2**40}").status_code == 404


def test_a_missing_file_is_404(
    client: FlaskClient,
    sign_in: Callable[..., User],
    with_photo: WithPhoto,
    recordings_dir: Path,
) -> None:
    (recordings_dir / with_photo.photo.path).unlink()
    sign_in(role=Role.SUPERVISOR)
    assert client.get(photo_url(with_photo)).status_code == 404


def test_a_supervisor_adds_a_photo_stripped_and_audited(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], recordings_dir: Path
) -> None:
    ticket = factories.TicketFactory()
    user = sign_in(role=Role.SUPERVISOR, username="wang", display_name="王主管")

    html = upload(client, ticket.number, images.phone_jpeg())

    assert flashes(html) == ["Photo added."]
    [photo] = photos_of(session, ticket.id)
    assert photo.added_by == "wang"
    stored = (recordings_dir / photo.path).read_bytes()
    assert b"GPS" not in stored and b"PhoneMaker" not in stored
    [event] = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
    assert (event.kind, event.user_id, event.actor) == (EventKind.PHOTO, user.id, "wang")
    [entry] = audits(session, "photo.add")
    assert (entry.user_id, entry.target) == (user.id, f"photo:{photo.id}")
    assert f"/tickets/{ticket.number}/photos/{photo.id}" in html


def test_a_renamed_pdf_or_an_oversized_photo_is_refused_on_the_page(
    app: Flask,
    client: FlaskClient,
    session: Session,
    sign_in: Callable[..., User],
    recordings_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticket = factories.TicketFactory()
    sign_in(role=Role.SUPERVISOR)

    html = upload(client, ticket.number, images.pdf(), name="leak.jpg")
    assert flashes(html) == ["The file is not a JPEG, PNG or WebP photo."]
    configure(app, monkeypatch, photo_max_bytes=1_500_000)
    html = upload(client, ticket.number, images.phone_jpeg() + b"\0" * 1_500_000)
    assert flashes(html) == ["The photo is larger than 1.5 MB."]
    # Far over: refused from its Content-Length, unread.
    html = upload(client, ticket.number, images.phone_jpeg() + b"\0" * 1_700_000)
    assert flashes(html) == ["The photo is larger than 1.5 MB."]

    assert session.scalars(select(TicketPhoto)).all() == []
    assert not (recordings_dir / "photos").exists()
    assert audits(session, "photo.add") == []


def test_the_form_needs_its_csrf_token(
    app: Flask, client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    ticket = factories.TicketFactory()
    sign_in(role=Role.SUPERVISOR)
    app.config["WTF_CSRF_ENABLED"] = True
    html = page(client, f"/tickets/{ticket.number}")
    assert 'enctype="multipart/form-data"' in html

    assert post_photo(client, ticket.number, images.phone_jpeg()).status_code == 400
    token = csrf_token(html)
    assert (
        post_photo(client, ticket.number, images.phone_jpeg(), csrf_token=token).status_code == 302
    )
    assert len(photos_of(session, ticket.id)) == 1
