"""Which call and ticket a line of work belongs to, for the log context (hotline.logs): looked
up by the call's SID (a webhook) or a recording's id (its job), and learnt as the call's row
and its ticket are inserted during the work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hotline import logs
from hotline.models import Call, Recording, Ticket


def call_context(session: Session, call_sid: str) -> tuple[int | None, str]:
    """The call's id and its ticket's number, as far as they exist yet (one indexed query)."""
    row = session.execute(
        select(Call.id, Ticket.number)
        .outerjoin(Ticket, Ticket.call_id == Call.id)
        .where(Call.call_sid == call_sid)
    ).first()
    return (row[0], row[1] or "") if row is not None else (None, "")


def recording_context(session: Session, recording_id: int) -> tuple[str, int | None, str]:
    """The call SID, call id and ticket number of a recording ("", None, "" if unknown)."""
    row = session.execute(
        select(Call.call_sid, Call.id, Ticket.number)
        .join(Recording, Recording.call_id == Call.id)
        .outerjoin(Ticket, Ticket.call_id == Call.id)
        .where(Recording.id == recording_id)
    ).first()
    return (row[0], row[1], row[2] or "") if row is not None else ("", None, "")


@contextmanager
def for_recording(sessions: Callable[[], Session], recording_id: int) -> Iterator[None]:
    """Log the work inside with the recording's call SID and ticket (looked up in a short
    session of its own, closed before the work starts)."""
    with sessions() as session:
        call_sid, call_id, ticket = recording_context(session, recording_id)
    with logs.bound(call_sid=call_sid, call_id=call_id, ticket=ticket):
        yield


def _call_inserted(_mapper: Any, _connection: Any, call: Call) -> None:
    sid, _ = logs.bound_call()
    if sid and call.call_sid == sid:
        logs.learn(call_id=call.id)


def _ticket_inserted(_mapper: Any, _connection: Any, ticket: Ticket) -> None:
    _, call_id = logs.bound_call()
    if call_id is not None and ticket.call_id == call_id:
        logs.learn(ticket=ticket.number or "")


def follow_new_rows() -> None:
    """Learn the bound call's id and its ticket's number when they are inserted (once per
    process; the listeners only read the row and the context)."""
    if not event.contains(Call, "after_insert", _call_inserted):
        event.listen(Call, "after_insert", _call_inserted)
        event.listen(Ticket, "after_insert", _ticket_inserted)
