"""A resident's report from the public page: a ticket like a call's (numbered, a short
reference, the same categories and clock), its source `web`, audited per submission."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import audit
from hotline.models import Category, Community, Resident, Ticket, TicketSource
from hotline.phone import mask_number
from hotline.photos import ProcessedPhoto, attach_photo
from hotline.refusal import N_, Refused
from hotline.tickets import intake, residents, workflow
from hotline.tickets.lifecycle import SUMMARY_CHARS

ADDRESS_CHARS = workflow.ADDRESS_CHARS
DESCRIPTION_CHARS = SUMMARY_CHARS
# Who a resident's changes are by, on the timeline: never their number.
RESIDENT = workflow.Actor("resident")


class SubmissionRefused(Refused):
    """A report that cannot be filed as given."""


@dataclass(frozen=True)
class Report:
    """What a resident typed, bounded by the form."""

    category_id: int
    community_id: int
    address: str
    description: str


def communities(session: Session) -> list[Community]:
    """The communities the line serves, by name."""
    return list(session.scalars(select(Community).order_by(Community.name)))


def known_resident(session: Session, number: str) -> Resident | None:
    """The directory's entry for the number: its community and address fill the form."""
    return residents.resident_for(session, number)


def submit(
    session: Session,
    number: str,
    report: Report,
    now: datetime,
    *,
    timezone: str,
    sla_hours: int,
    address: str,
    photos: Sequence[ProcessedPhoto] = (),
    photos_dir: Path,
) -> Ticket:
    """File the report as a new ticket from `number` (verified by the caller) with its
    photos (accepted by hotline.photos) stored under `photos_dir`, remember where the
    resident lives, and audit it (`address`: the client's)."""
    category = session.get(Category, report.category_id)
    if category is None or not category.active:
        raise SubmissionRefused(N_("choose a category"))
    if session.get(Community, report.community_id) is None:
        raise SubmissionRefused(N_("choose a community"))
    description = " ".join(report.description.split())[:DESCRIPTION_CHARS]
    if not description:
        raise SubmissionRefused(N_("describe the problem"))
    address_line = " ".join(report.address.split())[:ADDRESS_CHARS]
    # The directory's entry, or a new one saying where the resident lives: looked up once and
    # written with the ticket (remember below then has nothing to change).
    resident = residents.resident_for(session, number) or Resident(
        number=number, community_id=report.community_id, address=address_line
    )
    ticket = intake.open_ticket(
        session,
        Ticket(
            resident=resident,
            category=category,
            community_id=report.community_id,
            address=address_line,
            caller_number=number,
            source=TicketSource.WEB,
            summary=description,
        ),
        now=now,
        timezone=timezone,
        sla_hours=sla_hours,
        actor=RESIDENT,
    )
    residents.remember(session, ticket)
    for photo in photos:
        attach_photo(session, ticket, photo, directory=photos_dir, added_by=RESIDENT.name, at=now)
    audit.record(
        session,
        user_id=None,
        username=RESIDENT.name,
        action=audit.Action.ONLINE_SUBMIT,
        target=f"ticket:{ticket.number}",
        address=address,
        detail=f"{mask_number(number)} {category.code}",
    )
    return ticket
