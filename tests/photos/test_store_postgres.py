"""On PostgreSQL, adds to one ticket from two connections at once count one after the other:
the per-ticket cap holds under concurrency."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, text
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import make_engine, make_session_factory
from hotline.models import Ticket, TicketEvent, TicketPhoto
from hotline.photos import MAX_PER_TICKET, PhotoRefused, accept_photo, attach_photo, photos_of
from tests import factories
from tests.factories import TicketFactory
from tests.photos import images

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    """Its own engine on the run's PostgreSQL database; what the test committed is removed."""
    engine = make_engine(postgres_url)
    yield engine
    with make_session_factory(engine)() as session:
        for model in (TicketEvent, TicketPhoto, Ticket):
            session.execute(delete(model))
        session.commit()
    engine.dispose()


def photo(seed: int) -> object:
    return accept_photo(images.phone_jpeg(80 + seed, 40), 10_000_000)


def waiting_on_a_lock(engine: Engine) -> bool:
    """Whether some other connection to the database waits for a row lock."""
    with engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'"
            )
        ).scalar()
    return bool(waiting)


def test_two_adds_at_once_to_a_nearly_full_ticket_keep_the_cap(
    engine: Engine, tmp_path: Path
) -> None:
    sessions: sessionmaker[Session] = make_session_factory(engine)
    with sessions() as setup, factories.bound(setup):
        ticket = TicketFactory()
        for seed in range(MAX_PER_TICKET - 1):
            attach_photo(setup, ticket, photo(seed), directory=tmp_path, added_by="resident")
        setup.commit()
        ticket_id = ticket.id
    outcome: list[str] = []

    def second() -> None:
        with sessions() as other:
            try:
                attach_photo(
                    other,
                    other.get_one(Ticket, ticket_id),
                    photo(100),
                    directory=tmp_path,
                    added_by="resident",
                )
                other.commit()
                outcome.append("added")
            except PhotoRefused:
                outcome.append("refused")

    with sessions() as first:
        attach_photo(
            first, first.get_one(Ticket, ticket_id), photo(99), directory=tmp_path, added_by="a"
        )
        racer = threading.Thread(target=second)
        racer.start()
        # The second add must wait for this one's transaction before it counts.
        for _ in range(200):
            if waiting_on_a_lock(engine):
                break
            time.sleep(0.05)
        else:
            racer.join()
            pytest.fail(f"the second add did not wait for the first: {outcome}")
        first.commit()
    racer.join()

    assert outcome == ["refused"]
    with sessions() as check:
        assert len(photos_of(check, ticket_id)) == MAX_PER_TICKET
