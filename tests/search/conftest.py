"""Search runs the same tests on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm): `db` is a
session on either, with the factories bound to it and its rows rolled back at the end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from hotline.db import make_engine, make_session_factory
from hotline.models import Recording, Ticket, Transcript
from tests import factories

TODAY = date(2026, 11, 29)


@pytest.fixture
def pg_session(postgres_url: str) -> Iterator[Session]:
    engine = make_engine(postgres_url)
    with make_session_factory(engine)() as session, factories.bound(session):
        yield session
        session.rollback()
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Session:
    session: Session = request.getfixturevalue(
        "session" if request.param == "sqlite" else "pg_session"
    )
    return session


def days_ago(days: float) -> datetime:
    """A UTC time `days` before noon (Shanghai) of TODAY."""
    return datetime(2026, 11, 29, 4, 0, tzinfo=UTC) - timedelta(days=days)


def voicemail(text: str, *, days: float = 1, call: object = None, **ticket: object) -> Ticket:
    """A voicemail's ticket: call, recording, current transcript `text`, summary its start."""
    call = call or factories.CallFactory()
    recording: Recording = factories.RecordingFactory(call=call)
    factories.TranscriptFactory(recording=recording, text=text)
    created: Ticket = factories.TicketFactory(
        call=call,
        recording_id=recording.id,
        transcript_text=text,
        summary=text[:80],
        created_at=days_ago(days),
        **ticket,
    )
    return created


def correct(ticket: Ticket, text: str) -> Transcript:
    """A supervisor's correction: a new current transcript, the earlier one kept."""
    session = factories._current_session()
    assert ticket.recording_id is not None
    for old in session.query(Transcript).filter_by(recording_id=ticket.recording_id):
        old.current = False
    session.flush()
    new: Transcript = factories.TranscriptFactory(
        recording=session.get(Recording, ticket.recording_id), text=text, model_name=""
    )
    ticket.transcript_text = text
    ticket.summary = text[:80]
    session.flush()
    return new
