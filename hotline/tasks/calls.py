"""Periodic jobs of the call path: stale calls, unstaffed alerts, database upkeep."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from sqlalchemy.orm import Session

from hotline import calls, db, locks
from hotline.extensions import database, now, settings, telephony

# Far longer than any real call (voicemail is capped at minutes): its status callback was lost.
STALE_AFTER = timedelta(hours=6)
# Longer than any sweep takes; a worker that died mid-sweep blocks the next ones this long.
LOCK_TTL = timedelta(minutes=10)


@shared_task(name="hotline.tasks.calls.settle_stale_calls", acks_late=True)
def settle_stale_calls() -> None:
    """Give every call whose final status never came its ticket (nothing is lost)."""
    policy = calls.LinePolicy.from_settings(settings())

    def sweep(session: Session, at: datetime) -> int:
        return calls.settle_stale(session, policy, at, STALE_AFTER)

    locks.exclusive(database().sessions, "calls.settle_stale", LOCK_TTL, now, sweep)


@shared_task(name="hotline.tasks.calls.alert_unstaffed_calls", acks_late=True)
def alert_unstaffed_calls() -> None:
    """Tell supervisors by SMS when a call found nobody on duty (each call once)."""
    config = settings()

    def sweep(session: Session, at: datetime) -> int:
        return calls.alert_unstaffed(
            session,
            at,
            telephony().send_sms,
            timezone=config.timezone,
            extra_numbers=config.rota_alert_numbers,
            commit=session.commit,
        )

    locks.exclusive(database().sessions, "calls.alert_unstaffed", LOCK_TTL, now, sweep)


@shared_task(name="hotline.tasks.calls.checkpoint_wal", acks_late=True)
def checkpoint_wal() -> None:
    """Checkpoint SQLite's write-ahead log here, off the webhooks' path. The one beat job
    without a lease: a PASSIVE checkpoint may overlap another safely, and taking a lease
    would write to the very log it flushes."""
    db.checkpoint_wal(database().engine)
