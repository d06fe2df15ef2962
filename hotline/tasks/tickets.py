"""Periodic jobs of tickets: the clock's warnings and breaches."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from sqlalchemy.orm import Session

from hotline import locks
from hotline.extensions import database, now, settings, telephony
from hotline.tickets import clock

# Longer than any sweep takes; a worker that died mid-sweep blocks the next ones this long.
LOCK_TTL = timedelta(minutes=10)


@shared_task(name="hotline.tasks.tickets.sweep_sla", acks_late=True)
def sweep_sla() -> None:
    """Warn supervisors of tickets near their promised time and of those past it (each once)."""
    config = settings()

    def job(session: Session, at: datetime) -> clock.SweepResult:
        return clock.sweep(
            session,
            at,
            telephony().send_sms,
            timezone=config.timezone,
            extra_numbers=config.rota_alert_numbers,
            commit=session.commit,
        )

    locks.exclusive(database().sessions, "tickets.sweep_sla", LOCK_TTL, now, job)
