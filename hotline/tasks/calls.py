"""Periodic jobs of the call path: stale calls, unstaffed alerts, database upkeep."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task

from hotline import calls, db
from hotline.db import utcnow
from hotline.extensions import database, settings, telephony

logger = logging.getLogger(__name__)

# Far longer than any real call (voicemail is capped at minutes): its status callback was lost.
STALE_AFTER = timedelta(hours=6)


@shared_task(acks_late=True)
def settle_stale_calls() -> None:
    """Give every call whose final status never came its ticket (nothing is lost)."""
    with database().sessions.begin() as session:
        settled = calls.settle_stale(
            session, calls.LinePolicy.from_settings(settings()), utcnow(), STALE_AFTER
        )
    if settled:
        logger.info("settled %d stale calls", settled)


@shared_task(acks_late=True)
def alert_unstaffed_calls() -> None:
    """Tell supervisors by SMS when a call found nobody on duty (each call once)."""
    config = settings()
    with database().sessions() as session:
        sent = calls.alert_unstaffed(
            session,
            utcnow(),
            telephony().send_sms,
            timezone=config.timezone,
            extra_numbers=config.rota_alert_numbers,
            commit=session.commit,
        )
        session.commit()
    if sent:
        logger.info("sent %d unstaffed-call alerts", sent)


@shared_task(acks_late=True)
def checkpoint_wal() -> None:
    """Checkpoint SQLite's write-ahead log here, off the webhooks' path."""
    db.checkpoint_wal(database().engine)
