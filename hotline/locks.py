"""Leases that keep a periodic job from running twice at once (two beats, a slow worker),
on SQLite and PostgreSQL alike: a row per job name with its holder and expiry."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import or_, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hotline.models import SweepLock

logger = logging.getLogger(__name__)

T = TypeVar("T")


def acquire_lock(session: Session, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take the named lease if it is free, expired or already `holder`'s (renewing it); commit
    at once so other workers see it."""
    taken = cast(
        CursorResult[Any],
        session.execute(
            update(SweepLock)
            .where(
                SweepLock.name == name,
                or_(SweepLock.expires_at <= now, SweepLock.holder == holder),
            )
            .values(holder=holder, expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        ),
    )
    if taken.rowcount:
        return True
    try:
        with session.begin_nested():
            session.add(SweepLock(name=name, holder=holder, expires_at=now + ttl))
    except IntegrityError:
        return False
    return True


def release_lock(session: Session, name: str, holder: str, now: datetime) -> None:
    """Give the lease back early (it also lapses by itself when its holder dies)."""
    session.execute(
        update(SweepLock)
        .where(SweepLock.name == name, SweepLock.holder == holder)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )


def exclusive(
    sessions: sessionmaker[Session],
    name: str,
    ttl: timedelta,
    clock: Callable[[], datetime],
    job: Callable[[Session, datetime], T],
) -> T | None:
    """Run `job` under the named lease and commit, or skip it (None) while another run holds
    it; `ttl` outlasts any run, so a run that died blocks the next ones only that long."""
    holder = uuid.uuid4().hex
    with sessions() as session:
        if not acquire_lock(session, name, holder, clock(), ttl):
            logger.info("%s is already running; skipped", name)
            return None
        session.commit()
        try:
            result = job(session, clock())
            session.commit()
            logger.info("%s done: %s", name, result)
            return result
        finally:
            session.rollback()
            release_lock(session, name, holder, clock())
            session.commit()
