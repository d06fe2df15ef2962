"""Rota sweeps from beat: shift reminders and handoffs every minute, coverage gaps regularly."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from sqlalchemy.orm import Session

from hotline import locks
from hotline.extensions import database, now, settings, telephony
from hotline.rota import reminders

# Longer than any sweep takes; a worker that died mid-sweep blocks the next ones this long.
LOCK_TTL = timedelta(minutes=10)


@shared_task(name="hotline.tasks.rota.send_due_reminders", acks_late=True)
def send_due_reminders() -> None:
    """Text volunteers whose shift starts soon, and primaries at handoff; each SMS at most once."""
    config = settings()

    def sweep(session: Session, at: datetime) -> int:
        return reminders.send_due_reminders(
            session,
            at,
            telephony().send_sms,
            lead=timedelta(minutes=config.rota_reminder_lead_minutes),
            timezone=config.timezone,
            commit=session.commit,
        )

    locks.exclusive(database().sessions, "rota.send_due_reminders", LOCK_TTL, now, sweep)


@shared_task(name="hotline.tasks.rota.check_coverage", acks_late=True)
def check_coverage() -> None:
    """Alert supervisors (SMS and dashboard) of rota gaps starting within the alert horizon."""
    config = settings()

    def sweep(session: Session, at: datetime) -> int:
        return len(
            reminders.check_coverage(
                session,
                at,
                telephony().send_sms,
                horizon=timedelta(hours=config.rota_alert_horizon_hours),
                timezone=config.timezone,
                extra_numbers=config.rota_alert_numbers,
                commit=session.commit,
            )
        )

    locks.exclusive(database().sessions, "rota.check_coverage", LOCK_TTL, now, sweep)
