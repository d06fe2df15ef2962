"""Sweep leases: one run of a periodic job at a time, and a dead run blocks the next ones only
until its lease lapses."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import locks
from hotline.db import utcnow
from hotline.models import SweepLock

TTL = timedelta(minutes=10)


def test_lock_is_exclusive_until_released_or_expired(session: Session) -> None:
    now = utcnow()
    assert locks.acquire_lock(session, "job", "one", now, TTL)
    session.commit()
    assert not locks.acquire_lock(session, "job", "two", now, TTL)
    assert locks.acquire_lock(session, "job", "three", now + TTL, TTL)  # one's lease lapsed
    locks.release_lock(session, "job", "three", now + TTL)
    assert locks.acquire_lock(session, "job", "four", now + TTL, TTL)
    session.commit()


def test_exclusive_runs_the_job_commits_and_releases(app: Flask, session: Session) -> None:
    sessions = app.extensions["hotline.db"].sessions
    seen: list[datetime] = []

    def job(inner: Session, at: datetime) -> str:
        seen.append(at)
        inner.add(SweepLock(name=f"written-by-run-{len(seen)}", holder="x", expires_at=at))
        return "done"

    assert locks.exclusive(sessions, "job", TTL, utcnow, job) == "done"
    assert locks.exclusive(sessions, "job", TTL, utcnow, job) == "done"  # released: runs again

    assert len(seen) == 2
    names = session.scalars(select(SweepLock.name).order_by(SweepLock.name)).all()
    assert names == ["job", "written-by-run-1", "written-by-run-2"]


def test_exclusive_skips_while_another_run_holds_the_lease(app: Flask, session: Session) -> None:
    sessions = app.extensions["hotline.db"].sessions
    assert locks.acquire_lock(session, "job", "another-run", utcnow(), TTL)
    session.commit()

    assert locks.exclusive(sessions, "job", TTL, utcnow, lambda s, at: "ran") is None


def test_exclusive_releases_the_lease_when_the_job_fails(app: Flask, session: Session) -> None:
    sessions = app.extensions["hotline.db"].sessions

    def fails(inner: Session, at: datetime) -> None:
        raise RuntimeError("the job broke")

    with pytest.raises(RuntimeError):
        locks.exclusive(sessions, "job", TTL, utcnow, fails)

    assert locks.exclusive(sessions, "job", TTL, utcnow, lambda s, at: "ran") == "ran"
