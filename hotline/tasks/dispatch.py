"""Dispatch SMS from the queue: a technician's new job, a decline told to supervisors; and the
beat sweeps that send the satisfaction survey and any job SMS whose task was lost."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hotline import dispatch, locks
from hotline.extensions import database, db_session, now, settings, telephony
from hotline.photos import PhotoLinks

# Longer than any sweep takes; a worker that died mid-sweep blocks the next ones this long.
LOCK_TTL = timedelta(minutes=10)
# Job SMS whose task never ran (broker down at assignment) are sent within this window.
RESEND_WINDOW = timedelta(hours=2)
RETRY = {"autoretry_for": (OperationalError,), "max_retries": 3, "retry_backoff": True}


@shared_task(name="hotline.tasks.dispatch.notify_assignment", acks_late=True, **RETRY)
def notify_assignment(event_id: int) -> None:
    """Text the technician of an assignment event (at most once; nothing if replaced since)."""
    session = db_session()
    dispatch.send_assignment(
        session,
        event_id,
        now(),
        telephony().send_sms,
        commit=session.commit,
        photo_links=PhotoLinks.of(settings()),
    )


@shared_task(name="hotline.tasks.dispatch.notify_decline", acks_late=True, **RETRY)
def notify_decline(event_id: int) -> None:
    """Tell supervisors by SMS that a technician gave a ticket back (once per supervisor)."""
    session = db_session()
    dispatch.send_decline(session, event_id, now(), telephony().send_sms, commit=session.commit)


@shared_task(name="hotline.tasks.dispatch.resend_assignments", acks_late=True)
def resend_assignments() -> None:
    """Send the job SMS of recent assignments whose task was lost (each at most once)."""
    links = PhotoLinks.of(settings())

    def sweep(session: Session, at: datetime) -> int:
        return sum(
            dispatch.send_assignment(
                session,
                event_id,
                at,
                telephony().send_sms,
                commit=session.commit,
                photo_links=links,
            )
            for event_id in dispatch.unsent_assignments(session, at, RESEND_WINDOW)
        )

    locks.exclusive(database().sessions, "dispatch.resend_assignments", LOCK_TTL, now, sweep)


@shared_task(name="hotline.tasks.dispatch.send_surveys", acks_late=True)
def send_surveys() -> None:
    """Ask residents of recently resolved tickets for a 1-5 score (each ticket once)."""
    config = settings()
    if not config.survey_sms:
        return

    def sweep(session: Session, at: datetime) -> int:
        return dispatch.send_surveys(
            session,
            at,
            telephony().send_sms,
            delay=timedelta(minutes=config.survey_delay_minutes),
            commit=session.commit,
        )

    locks.exclusive(database().sessions, "dispatch.send_surveys", LOCK_TTL, now, sweep)
