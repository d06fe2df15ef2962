"""Rota sweeps from beat: shift reminders and handoffs every minute, coverage gaps regularly."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from celery import shared_task
from sqlalchemy.orm import Session

from hotline.extensions import database, now, settings, telephony
from hotline.rota import reminders as rota_notify

logger = logging.getLogger(__name__)

# Longer than any sweep takes; a worker that died mid-sweep blocks the next ones this long.
LOCK_TTL = timedelta(minutes=10)


def _exclusive(name: str, sweep: Callable[[Session, datetime], object]) -> None:
    """Run `sweep` under the named lease, so two runs (two beats, a slow worker) never overlap."""
    holder = uuid.uuid4().hex
    with database().sessions() as session:
        if not rota_notify.acquire_lock(session, name, holder, now(), LOCK_TTL):
            logger.info("%s is already running; skipped", name)
            return
        session.commit()
        try:
            result = sweep(session, now())
            session.commit()
            logger.info("%s done: %s", name, result)
        finally:
            session.rollback()
            rota_notify.release_lock(session, name, holder, now())
            session.commit()


@shared_task(acks_late=True)
def send_due_reminders() -> None:
    """Text volunteers whose shift starts soon, and primaries at handoff; each SMS at most once."""
    config = settings()

    def sweep(session: Session, at: datetime) -> int:
        return rota_notify.send_due_reminders(
            session,
            at,
            telephony().send_sms,
            lead=timedelta(minutes=config.rota_reminder_lead_minutes),
            timezone=config.timezone,
            commit=session.commit,
        )

    _exclusive("rota.send_due_reminders", sweep)


@shared_task(acks_late=True)
def check_coverage() -> None:
    """Alert supervisors (SMS and dashboard) of rota gaps starting within the alert horizon."""
    config = settings()

    def sweep(session: Session, at: datetime) -> int:
        return len(
            rota_notify.check_coverage(
                session,
                at,
                telephony().send_sms,
                horizon=timedelta(hours=config.rota_alert_horizon_hours),
                timezone=config.timezone,
                extra_numbers=config.rota_alert_numbers,
                commit=session.commit,
            )
        )

    _exclusive("rota.check_coverage", sweep)
