"""Photo fixtures: the app's recordings directory (photos live in its photos/ folder) for one
test, and a ticket with a stored photo."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hotline.models import Ticket, TicketPhoto
from hotline.photos import accept_photo, attach_photo
from tests.factories import TicketFactory
from tests.helpers import configure
from tests.photos import images


@pytest.fixture
def recordings_dir(app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The app's recordings directory, for this test."""
    directory = tmp_path / "recordings"
    configure(app, monkeypatch, recordings_dir=directory)
    return directory


@dataclass(frozen=True)
class WithPhoto:
    """A committed ticket and its one photo."""

    ticket: Ticket
    photo: TicketPhoto


@pytest.fixture
def with_photo(session: Session, recordings_dir: Path) -> WithPhoto:
    """A ticket (no call, no volunteer) with a resident's photo, committed."""
    ticket = TicketFactory(ref="5150", address="幸福路8号")
    photo = attach_photo(
        session,
        ticket,
        accept_photo(images.phone_jpeg(), 10_000_000),
        directory=recordings_dir,
        added_by="resident",
    )
    session.commit()
    return WithPhoto(ticket, photo)
