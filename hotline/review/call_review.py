"""What supervisors and volunteers review of calls: the call list and a call's whole story."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Call, CallEvent, Recording, Ticket, Transcript, Volunteer
from hotline.review.scope import PER_PAGE, NotVisible, Page, Scope, count_rows, page_of
from hotline.tickets.intake import ticket_for_call

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
    rows = session.execute(page_of(stmt, page, per_page))
    items = [CallRow(call, number) for call, number in rows]
    return Page(items, page, per_page, count_rows(session, stmt))


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


def call_events(session: Session, call: Call) -> list[EventRow]:
    """The call's webhooks in the order received, with their telling parameters."""
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
        events=call_events(session, call),
        path=path_steps(call.path),
        chain=_chain(call),
        answered_by=session.get(Volunteer, call.answered_by_id) if call.answered_by_id else None,
        recordings=_recordings(session, call),
        ticket=ticket_for_call(session, call),
    )
