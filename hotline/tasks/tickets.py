"""Periodic jobs of tickets: the clock's warnings and breaches; the KPI's stored reports."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from sqlalchemy.orm import Session

from hotline import kpi, locks
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


@shared_task(name="hotline.tasks.tickets.snapshot_kpi", acks_late=True)
def snapshot_kpi() -> None:
    """Store the KPI report of every month, quarter and year not stored or no longer fresh."""
    config = settings()

    def job(session: Session, at: datetime) -> int:
        return kpi.refresh(
            session,
            now=at,
            timezone=config.timezone,
            promise_days=config.kpi_promise_days,
            target=float(config.kpi_target_percent),
        )

    locks.exclusive(database().sessions, "tickets.snapshot_kpi", LOCK_TTL, now, job)
