"""Beat's lease: only the beat holding it sends jobs, a stopping beat hands it over, and a beat
stopped by a signal in the middle of a database write of its own (renewing the lease, recording
its heartbeat) stops at once instead of waiting on that write."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.extensions import database
from hotline.models import Heartbeat, SweepLock
from hotline.tasks import ops


@pytest.fixture
def real_commits() -> bool:
    """Each session its own connection, as in a real beat: its writes queue on the writers' lock."""
    return True


@pytest.mark.timeout(60)
def test_beat_stopped_mid_write_stops_at_once_and_its_lease_lapses(
    app: Flask, tmp_path: Path
) -> None:
    scheduler = ops.LeasedScheduler(
        app=app.extensions["celery"], schedule_filename=str(tmp_path / "beat")
    )
    with app.app_context():
        scheduler.tick()  # takes the lease
        with database().sessions() as interrupted:
            # The write a SIGTERM interrupted: beat's signal handler closes the scheduler on
            # this same thread while the write is uncommitted (its writers' lock held).
            interrupted.execute(text("UPDATE sweep_lock SET holder = holder"))
            scheduler.close()  # before the fix: waited on the lock above for ever
            interrupted.rollback()
        with database().sessions() as session:
            lease = session.scalars(select(SweepLock).where(SweepLock.name == "beat")).one()
    # Not handed over (that would have needed the lock): it lapses by itself.
    assert lease.holder == scheduler.holder and lease.expires_at > utcnow()


def test_only_the_beat_holding_the_lease_sends_jobs(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    celery = app.extensions["celery"]
    first = ops.LeasedScheduler(app=celery, schedule_filename=str(tmp_path / "first"))
    second = ops.LeasedScheduler(app=celery, schedule_filename=str(tmp_path / "second"))
    for scheduler in (first, second):
        # One job due now, so a tick sends it unless the scheduler stands by.
        scheduler.update_from_dict(
            {"job": {"task": "hotline.tasks.calls.checkpoint_wal", "schedule": 3600.0}}
        )
        scheduler.schedule["job"].last_run_at = utcnow() - timedelta(hours=2)
    first.tick()
    assert second.tick() == ops.BEAT_TICK_S
    names = set(session.scalars(select(Heartbeat.name).where(Heartbeat.role == "beat")))
    assert names == {first.holder}
    first.close()  # stopping hands the lease over at once
    second.tick()
    names = set(session.scalars(select(Heartbeat.name).where(Heartbeat.role == "beat")))
    assert names == {first.holder, second.holder}
    second.close()
