"""What supervisors and volunteers review: call and ticket lists, filters, pages and details."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, TypeVar, TypeVarTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, false, func, select
from sqlalchemy.orm import Session, selectinload

from hotline import tickets
from hotline.models import (
    Call,
    CallEvent,
    Category,
    Community,
    Priority,
    Recording,
    Role,
    Ticket,
    TicketStatus,
    Transcript,
    Volunteer,
)

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
PER_PAGE = 25
# Webhook parameters worth showing in a timeline; the rest (account SIDs, caller
# location guesses, API versions) is noise, and From/To would bypass number masking.
EVENT_PARAMS = (
    "CallStatus",
    "Digits",
    "DialCallStatus",
    "DialCallDuration",
    "RecordingStatus",
    "RecordingDuration",
    "RecordingSid",
    "CallDuration",
    "ErrorCode",
)
# Resolved and closed tickets have met their promise (or need none); only the rest can be late.
OPEN_STATUSES = frozenset({TicketStatus.OPEN, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS})


class NotVisible(LookupError):
    """The row exists but the user's scope does not include it."""


@dataclass(frozen=True)
class Scope:
    """Which calls and tickets a user may see: everything, or those of one volunteer's calls."""

    everything: bool
    volunteer_id: int | None = None

    @classmethod
    def for_user(cls, role: Role, volunteer_id: int | None) -> Scope:
        """Supervisors and admins see all; a volunteer sees the calls they answered."""
        return cls(everything=role in (Role.ADMIN, Role.SUPERVISOR), volunteer_id=volunteer_id)

    def allows(self, call: Call | None) -> bool:
        """Whether a call (or a ticket's call; None when it has none) is visible."""
        if self.everything:
            return True
        return (
            call is not None
            and self.volunteer_id is not None
            and (call.answered_by_id == self.volunteer_id)
        )

    def calls(self, stmt: Select[*Ts]) -> Select[*Ts]:
        """Restrict a statement over Call (or joined to it) to the visible calls."""
        if self.everything:
            return stmt
        if self.volunteer_id is None:
            # A volunteer login not linked to a volunteer sees nothing; `== None` would
            # become IS NULL and show every unanswered call.
            return stmt.where(false())
        return stmt.where(Call.answered_by_id == self.volunteer_id)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, numbered from 1."""

    items: list[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the whole list takes (at least one, even when empty)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.number < self.pages


def _count(session: Session, stmt: Select[*tuple[Any, ...]]) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _window(stmt: Select[*Ts], number: int, per_page: int) -> Select[*Ts]:
    return stmt.limit(per_page).offset((number - 1) * per_page)


@dataclass(frozen=True)
class CallRow:
    """A call in the list, with the number of the ticket it opened."""

    call: Call
    ticket_number: str | None


def list_calls(
    session: Session, scope: Scope, page: int = 1, per_page: int = PER_PAGE
) -> Page[CallRow]:
    """Visible calls, newest first."""
    stmt = scope.calls(
        select(Call, Ticket.number)
        .outerjoin(Ticket, Ticket.call_id == Call.id)
        .order_by(Call.started_at.desc(), Call.id.desc())
    )
    rows = session.execute(_window(stmt, page, per_page))
    items = [CallRow(call, number) for call, number in rows]
    return Page(items, page, per_page, _count(session, stmt))


@dataclass(frozen=True)
class PathStep:
    """A node of the IVR the caller reached and the key they pressed there."""

    node: str
    at: datetime | None
    # What happened next: the key pressed, "" for no input, None at the last node.
    pressed: str | None


def path_steps(path: list[dict[str, Any]]) -> list[PathStep]:
    """Turn Call.path ([node reached, key that led there]) into node → key pressed there."""
    steps = []
    for index, entry in enumerate(path):
        following = path[index + 1] if index + 1 < len(path) else None
        at = entry.get("at")
        steps.append(
            PathStep(
                node=str(entry.get("node", "")),
                at=datetime.fromisoformat(at) if isinstance(at, str) else None,
                pressed=None if following is None else str(following.get("input") or ""),
            )
        )
    return steps


@dataclass(frozen=True)
class EventRow:
    """One webhook of the call, with its telling parameters."""

    kind: str
    received_at: datetime
    params: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ChainLink:
    """A volunteer of the chain snapshotted for the call, and how far the hunt got."""

    layer: int
    name: str
    number: str
    rung: bool
    accepted: bool


@dataclass(frozen=True)
class RecordingView:
    """A recording of the call and the text of its current transcript, if any."""

    recording: Recording
    transcript: str | None


@dataclass(frozen=True)
class CallDetail:
    """Everything the call page shows."""

    call: Call
    events: list[EventRow]
    path: list[PathStep]
    chain: list[ChainLink]
    answered_by: Volunteer | None
    recordings: list[RecordingView]
    ticket: Ticket | None


def _events(session: Session, call: Call) -> list[EventRow]:
    rows = session.scalars(
        select(CallEvent)
        .where(CallEvent.call_sid == call.call_sid)
        .order_by(CallEvent.received_at, CallEvent.id)
    )
    return [
        EventRow(
            kind=event.kind,
            received_at=event.received_at,
            params=tuple((k, str(event.payload[k])) for k in EVENT_PARAMS if event.payload.get(k)),
        )
        for event in rows
    ]


def _chain(call: Call) -> list[ChainLink]:
    return [
        ChainLink(
            layer=int(link.get("layer") or index + 1),
            name=str(link.get("name", "")),
            number=str(link.get("number", "")),
            rung=index <= call.dial_index,
            accepted=index == call.accepted_index,
        )
        for index, link in enumerate(call.chain)
    ]


def _recordings(session: Session, call: Call) -> list[RecordingView]:
    rows = session.execute(
        select(Recording, Transcript.text)
        .outerjoin(
            Transcript, (Transcript.recording_id == Recording.id) & Transcript.current.is_(True)
        )
        .where(Recording.call_id == call.id)
        .order_by(Recording.id)
    )
    return [RecordingView(recording, text) for recording, text in rows]


def call_detail(session: Session, scope: Scope, call_id: int) -> CallDetail | None:
    """The call's timeline, IVR path, chain, recordings and ticket; None if no such call."""
    call = session.get(Call, call_id)
    if call is None:
        return None
    if not scope.allows(call):
        raise NotVisible(f"call {call_id}")
    return CallDetail(
        call=call,
        events=_events(session, call),
        path=path_steps(call.path),
        chain=_chain(call),
        answered_by=session.get(Volunteer, call.answered_by_id) if call.answered_by_id else None,
        recordings=_recordings(session, call),
        ticket=tickets.ticket_for_call(session, call),
    )


@dataclass(frozen=True)
class TicketFilter:
    """What the ticket list is narrowed to; None means any. Dates are local calendar days."""

    status: TicketStatus | None = None
    category_id: int | None = None
    community_id: int | None = None
    created_from: date | None = None
    created_to: date | None = None


def _local_midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone))


def list_tickets(
    session: Session,
    scope: Scope,
    criteria: TicketFilter,
    timezone: str,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[Ticket]:
    """Visible tickets matching the filter, urgent first, then newest."""
    stmt = (
        select(Ticket)
        .outerjoin(Call, Ticket.call_id == Call.id)
        .options(selectinload(Ticket.category), selectinload(Ticket.community))
        .order_by(
            case((Ticket.priority == Priority.URGENT, 0), else_=1),
            Ticket.created_at.desc(),
            Ticket.id.desc(),
        )
    )
    stmt = scope.calls(stmt)
    if criteria.status is not None:
        stmt = stmt.where(Ticket.status == criteria.status)
    if criteria.category_id is not None:
        stmt = stmt.where(Ticket.category_id == criteria.category_id)
    if criteria.community_id is not None:
        stmt = stmt.where(Ticket.community_id == criteria.community_id)
    if criteria.created_from is not None:
        stmt = stmt.where(Ticket.created_at >= _local_midnight(criteria.created_from, timezone))
    if criteria.created_to is not None:
        # The "to" day is included: everything before the next local midnight.
        end = _local_midnight(criteria.created_to + timedelta(days=1), timezone)
        stmt = stmt.where(Ticket.created_at < end)
    items = list(session.scalars(_window(stmt, page, per_page)))
    return Page(items, page, per_page, _count(session, stmt))


def ticket_detail(session: Session, scope: Scope, number: str) -> Ticket | None:
    """The ticket with this number (as residents quote it), relations loaded; None if none."""
    ticket = session.scalars(
        select(Ticket)
        .where(Ticket.number == number)
        .options(
            selectinload(Ticket.category),
            selectinload(Ticket.community),
            selectinload(Ticket.call),
        )
    ).one_or_none()
    if ticket is not None and not scope.allows(ticket.call):
        raise NotVisible(f"ticket {number}")
    return ticket


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    """Whether a ticket still open has passed its due time."""
    return ticket.status in OPEN_STATUSES and ticket.due_at < now


def filter_choices(session: Session) -> tuple[list[Category], list[Community]]:
    """The categories and communities a ticket list can be filtered by."""
    categories = list(session.scalars(select(Category).order_by(Category.code)))
    communities = list(session.scalars(select(Community).order_by(Community.name)))
    return categories, communities
