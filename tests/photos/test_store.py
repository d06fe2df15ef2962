"""Photos on a ticket: the file stored atomically beside the recordings, the row and the
timeline event, the same picture kept once, at most MAX_PER_TICKET photos."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import EventKind, TicketEvent, TicketPhoto
from hotline.photos import (
    MAX_PER_TICKET,
    PhotoRefused,
    ProcessedPhoto,
    accept_photo,
    attach_photo,
    photos_of,
)
from tests.factories import TicketFactory
from tests.photos import images


def processed(seed: int = 0) -> ProcessedPhoto:
    """A distinct accepted photo per seed."""
    return accept_photo(images.phone_jpeg(80 + seed, 40), 10_000_000)


def test_the_photo_is_on_disk_beside_the_recordings_with_its_row_and_event(
    session: Session, tmp_path: Path
) -> None:
    ticket = TicketFactory()
    photo = processed()
    at = utcnow()

    row = attach_photo(session, ticket, photo, directory=tmp_path, added_by="resident", at=at)

    stored = tmp_path / row.path
    assert row.path == f"photos/{at:%Y}/{at:%m}/{ticket.id}-{photo.sha256}.jpg"
    assert stored.read_bytes() == photo.data
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == row.sha256 == photo.sha256
    assert [p.name for p in stored.parent.iterdir()] == [stored.name]  # no temporary left
    saved = session.scalars(select(TicketPhoto).where(TicketPhoto.ticket_id == ticket.id)).one()
    assert (saved.content_type, saved.size_bytes, saved.width, saved.height, saved.added_by) == (
        "image/jpeg",
        len(photo.data),
        80,
        40,
        "resident",
    )
    event = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).one()
    assert (event.kind, event.actor, event.note, event.at) == (EventKind.PHOTO, "resident", "", at)
    session.refresh(ticket)
    assert ticket.updated_at == at  # a photo changes the ticket


def test_the_same_picture_twice_is_kept_once(session: Session, tmp_path: Path) -> None:
    ticket = TicketFactory()
    first = attach_photo(session, ticket, processed(), directory=tmp_path, added_by="resident")
    again = attach_photo(session, ticket, processed(), directory=tmp_path, added_by="resident")

    assert again.id == first.id
    assert photos_of(session, ticket.id) == [first]
    events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
    assert len(events.all()) == 1


def test_the_same_picture_on_two_tickets_is_two_files(session: Session, tmp_path: Path) -> None:
    one, two = TicketFactory(), TicketFactory()
    a = attach_photo(session, one, processed(), directory=tmp_path, added_by="resident")
    b = attach_photo(session, two, processed(), directory=tmp_path, added_by="resident")
    assert a.path != b.path
    assert (tmp_path / a.path).is_file() and (tmp_path / b.path).is_file()


def test_a_ticket_holds_at_most_its_cap_of_photos(session: Session, tmp_path: Path) -> None:
    ticket = TicketFactory()
    for seed in range(MAX_PER_TICKET):
        attach_photo(session, ticket, processed(seed), directory=tmp_path, added_by="resident")

    with pytest.raises(PhotoRefused) as refused:
        attach_photo(
            session, ticket, processed(MAX_PER_TICKET), directory=tmp_path, added_by="resident"
        )
    assert refused.value.params == {"count": MAX_PER_TICKET}
    assert len(photos_of(session, ticket.id)) == MAX_PER_TICKET
    assert len(list((tmp_path / "photos").rglob("*.jpg"))) == MAX_PER_TICKET
