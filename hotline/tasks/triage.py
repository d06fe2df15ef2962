"""Urgent voicemail alerts (hotline.triage.escalation): the task, its safety-net sweep, and the
hook that queues it as soon as a transcription job ends."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from celery.signals import task_success
from sqlalchemy.orm import Session

from hotline import locks, triage
from hotline.extensions import database, now, settings, telephony
from hotline.tasks.transcription import process_recording
from hotline.triage import escalation

logger = logging.getLogger(__name__)

# Longer than any sweep takes; a worker that died mid-sweep blocks the next ones this long.
LOCK_TTL = timedelta(minutes=5)


def _alerting() -> escalation.Alerting:
    config = settings()
    carrier = telephony()
    return escalation.Alerting(
        send_sms=carrier.send_sms,
        place_call=carrier.create_call,
        base_url=config.public_base_url,
        from_number=config.line_number or config.sms_from_number,
        extra_numbers=config.rota_alert_numbers,
    )


def _rules() -> triage.Rules | None:
    try:
        return triage.rules_for()
    except triage.RulesError:
        return None  # the alert still goes out, naming the phrase instead of the reason


def run_escalation(recording_id: int) -> escalation.Escalation:
    """Escalate one recording in its own session (exactly once whoever calls it)."""
    with database().sessions() as session:
        result = escalation.escalate(
            session,
            recording_id,
            now(),
            _alerting(),
            _rules(),
            commit=session.commit,
        )
    if result.claimed:
        logger.warning("recording %s escalated: %s", recording_id, result.detail)
    return result


@shared_task(
    name="hotline.tasks.triage.escalate_recording",
    acks_late=True,
    max_retries=0,
)
def escalate_recording(recording_id: int) -> None:
    """Alert the on-duty volunteer and supervisors of an urgent voicemail (once)."""
    run_escalation(recording_id)


def enqueue_escalation(recording_id: int) -> bool:
    """Queue the alert after the caller committed the triage (a supervisor's correction: call
    this after `triage.apply` and the commit). If the broker is down, the sweep sends it."""
    try:
        escalate_recording.delay(recording_id)
    except Exception:
        logger.exception("could not queue the alert of recording %s; the sweep will", recording_id)
        return False
    return True


@shared_task(name="hotline.tasks.triage.sweep_escalations", acks_late=True)
def sweep_escalations() -> None:
    """Send the alerts still due (a lost task, a broker that was down, an inline job)."""

    def sweep(session: Session, at: datetime) -> str:
        ids = escalation.due(session, at)
        session.rollback()
        sent = sum(run_escalation(recording_id).claimed for recording_id in ids)
        return f"escalated {sent} of {len(ids)} recordings"

    locks.exclusive(database().sessions, "triage.sweep", LOCK_TTL, now, sweep)


@task_success.connect
def _after_transcription(sender: Any = None, **_: Any) -> None:
    """A transcription job ended: queue its recording's alert (a no-op unless one is due)."""
    if getattr(sender, "name", None) != process_recording.name:
        return
    args = getattr(getattr(sender, "request", None), "args", None) or ()
    if args and isinstance(args[0], int):
        enqueue_escalation(args[0])
