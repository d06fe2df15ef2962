"""Photos on tickets: stored beside the recordings (a photos/ folder of the recordings
directory), listed on the ticket page, and served to those who may see the ticket or hold the
ticket's signed link; every add and every view is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.audit import Action, record
from hotline.db import utcnow
from hotline.models import EventKind, Ticket, TicketEvent, TicketPhoto
from hotline.photos.accept import PhotoRefused, ProcessedPhoto
from hotline.recordings.files import written_atomically
from hotline.refusal import N_
from hotline.review import Scope, visible_ticket
from hotline.review.voicemail import Actor

# A ticket holds at most this many photos, whoever adds them (the resident's page takes at
# most 3 per submission).
MAX_PER_TICKET = 10
# The folder of the recordings directory photos are kept in.
FOLDER = "photos"


@dataclass(frozen=True)
class StoredPhoto:
    """A photo's file, found whole in the store, and how to serve it."""

    path: Path
    content_type: str


def attach_photo(
    session: Session,
    ticket: Ticket,
    processed: ProcessedPhoto,
    *,
    directory: Path,
    added_by: str,
    user_id: int | None = None,
    at: datetime | None = None,
) -> TicketPhoto:
    """Store an accepted photo under `directory` (the recordings directory) and add it to the
    ticket with a PHOTO event naming `added_by` ("resident" or a dashboard username); the
    caller commits. The same picture again returns the photo already there; PhotoRefused
    once the ticket holds MAX_PER_TICKET."""
    at = at or utcnow()
    # A photo changes the ticket; writing its row first also makes adds to one ticket wait
    # for each other (the row's lock on PostgreSQL, the writers' lock on SQLite), so each
    # counts the photos of the one before and the cap holds.
    session.execute(update(Ticket).where(Ticket.id == ticket.id).values(updated_at=at))
    existing = session.scalar(
        select(TicketPhoto).where(
            TicketPhoto.ticket_id == ticket.id, TicketPhoto.sha256 == processed.sha256
        )
    )
    if existing is not None:
        return existing
    held = session.scalar(
        select(func.count()).select_from(TicketPhoto).where(TicketPhoto.ticket_id == ticket.id)
    )
    if (held or 0) >= MAX_PER_TICKET:
        raise PhotoRefused(N_("A ticket holds at most %(count)s photos."), count=MAX_PER_TICKET)
    relative = Path(FOLDER, f"{at:%Y}", f"{at:%m}", f"{ticket.id}-{processed.sha256}.jpg")
    with written_atomically(directory / relative) as out:
        out.write(processed.data)
    photo = TicketPhoto(
        ticket_id=ticket.id,
        path=relative.as_posix(),
        content_type=processed.content_type,
        size_bytes=len(processed.data),
        width=processed.width,
        height=processed.height,
        sha256=processed.sha256,
        added_by=added_by,
        created_at=at,
    )
    session.add(photo)
    session.add(
        TicketEvent(
            ticket_id=ticket.id, at=at, kind=EventKind.PHOTO, actor=added_by, user_id=user_id
        )
    )
    session.flush()
    return photo


def add_photo(
    session: Session,
    scope: Scope,
    number: str,
    processed: ProcessedPhoto,
    directory: Path,
    actor: Actor,
    at: datetime,
) -> TicketPhoto | None:
    """A dashboard user adds a photo to ticket `number` at `at` (None if there is no such
    ticket, NotVisible outside their scope), audited; the caller commits."""
    ticket = visible_ticket(session, scope, number)
    if ticket is None:
        return None
    photo = attach_photo(
        session,
        ticket,
        processed,
        directory=directory,
        added_by=actor.username,
        user_id=actor.user_id,
        at=at,
    )
    _audit(session, Action.PHOTO_ADD, photo, ticket, actor.user_id, actor.username, actor.address)
    return photo


def photos_of(session: Session, ticket_id: int) -> list[TicketPhoto]:
    """A ticket's photos, oldest first."""
    return list(
        session.scalars(
            select(TicketPhoto).where(TicketPhoto.ticket_id == ticket_id).order_by(TicketPhoto.id)
        )
    )


def has_photos(session: Session, ticket_id: int) -> bool:
    """Whether a ticket has any photo."""
    found = session.scalar(
        select(TicketPhoto.id).where(TicketPhoto.ticket_id == ticket_id).limit(1)
    )
    return found is not None


def stored(photo: TicketPhoto, directory: Path) -> StoredPhoto | None:
    """The photo's file, if it is in the store whole (never a path outside it)."""
    path = directory / photo.path
    if not path.resolve().is_relative_to(directory.resolve()):
        return None
    if not path.is_file() or path.stat().st_size != photo.size_bytes:
        return None
    return StoredPhoto(path, photo.content_type)


def view_photo(
    session: Session,
    scope: Scope,
    number: str,
    photo_id: int,
    directory: Path,
    actor: Actor,
) -> StoredPhoto | None:
    """A photo of ticket `number` for a dashboard user, audited: None if the ticket, the
    photo or its file is missing; NotVisible outside the user's scope."""
    ticket = visible_ticket(session, scope, number)
    photo = None if ticket is None else session.get(TicketPhoto, photo_id)
    if ticket is None or photo is None or photo.ticket_id != ticket.id:
        return None
    found = stored(photo, directory)
    if found is not None:
        _audit(
            session, Action.PHOTO_VIEW, photo, ticket, actor.user_id, actor.username, actor.address
        )
    return found


def shared_photos(session: Session, ticket_id: int) -> tuple[Ticket, list[TicketPhoto]] | None:
    """The ticket a signed link names and its photos (None if it is gone)."""
    ticket = session.get(Ticket, ticket_id)
    return None if ticket is None else (ticket, photos_of(session, ticket.id))


def view_shared_photo(
    session: Session, ticket_id: int, photo_id: int, directory: Path, address: str
) -> StoredPhoto | None:
    """A photo of the ticket a signed link names (the caller checked the link), audited as
    seen through the link from `address`; None unless it is that ticket's and stored."""
    photo = session.get(TicketPhoto, photo_id)
    if photo is None or photo.ticket_id != ticket_id:
        return None
    found = stored(photo, directory)
    if found is not None:
        ticket = session.get_one(Ticket, ticket_id)
        _audit(session, Action.PHOTO_VIEW, photo, ticket, None, "", address, LINK_DETAIL)
    return found


# The audit entry's detail for a view through a technician's signed link (nobody signed in).
LINK_DETAIL = "signed link"


def _audit(
    session: Session,
    action: Action,
    photo: TicketPhoto,
    ticket: Ticket,
    user_id: int | None,
    username: str,
    address: str,
    how: str = "",
) -> None:
    detail = f"ticket {ticket.number}" + (f", {how}" if how else "")
    record(
        session,
        user_id=user_id,
        username=username,
        action=action,
        target=f"photo:{photo.id}",
        address=address,
        detail=detail,
    )
