"""The rota on PostgreSQL: on_duty (tuple IN, EXISTS columns), coverage, the sweep lease."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from hotline import locks, rota
from hotline.db import make_engine, make_session_factory
from hotline.models import SweepLock
from hotline.rota.reports import Window, coverage_report
from tests import factories
from tests.helpers import cn
from tests.rota.factories import START, LeaveFactory, OverrideFactory, RotationFactory

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(postgres_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(postgres_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def pg_session(pg: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose rows are rolled back at the end: the database is shared by the run."""
    with pg() as session, factories.bound(session):
        yield session
        session.rollback()


def test_on_duty_and_coverage_on_postgresql(pg_session: Session) -> None:
    day, night, backup, cover = factories.VolunteerFactory.create_batch(4)
    RotationFactory(members=[day], hours_from=time(8), hours_to=time(20))
    RotationFactory(members=[night], hours_from=time(20), hours_to=time(8))
    RotationFactory(layer=2, members=[backup], ends_at=cn("12-02 08:00"))
    OverrideFactory(volunteer=cover, starts_at=cn("12-01 10:00"), ends_at=cn("12-01 11:00"))
    LeaveFactory(volunteer=night, starts_at=cn("12-02 02:00"), ends_at=cn("12-02 04:00"))
    assert [(d.layer, d.volunteer_id) for d in rota.on_duty(pg_session, cn("12-01 10:30"))] == [
        (1, cover.id),
        (2, backup.id),
    ]
    assert [(d.layer, d.volunteer_id) for d in rota.on_duty(pg_session, cn("12-01 21:00"))] == [
        (1, night.id),
        (2, backup.id),
    ]
    report = coverage_report(pg_session, START, 2)
    assert report.gaps == [Window(cn("12-02 02:00"), cn("12-02 04:00"))]
    assert report.no_backup == [Window(cn("12-02 08:00"), cn("12-03 08:00"))]
    assert [(c.reason, c.window.volunteer_id) for c in report.conflicts] == [("leave", night.id)]


def test_sweep_lease_is_exclusive_across_connections(pg: sessionmaker[Session]) -> None:
    now, ttl = cn("12-01 08:00"), timedelta(minutes=10)
    try:
        with pg() as first, pg() as second:
            assert locks.acquire_lock(first, "pg-test", "first", now, ttl)
            first.commit()
            assert not locks.acquire_lock(second, "pg-test", "second", now, ttl)
            second.rollback()
            locks.release_lock(first, "pg-test", "first", now)
            first.commit()
            assert locks.acquire_lock(second, "pg-test", "second", now, ttl)
            second.commit()
    finally:
        with pg.begin() as cleanup:
            cleanup.execute(delete(SweepLock).where(SweepLock.name == "pg-test"))
