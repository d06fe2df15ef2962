"""Jobs of the call path: stale calls, unstaffed alerts, database upkeep (beat); the caller's
SMS and call backs (queued after a commit)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from celery import shared_task
from sqlalchemy.orm import Session

from hotline import calls, db, locks
from hotline.calls import callback, notify, reconcile, survey_call
from hotline.extensions import database, now, settings, telephony
from hotline.ivr.loader import load_flow
from hotline.tasks.transcription import enqueue_download
from hotline.telephony import TelephonyError
from hotline.verbs import Hook, hook_url

logger = logging.getLogger(__name__)

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


# Each beat run asks the carrier for this far back: runs every 5 minutes overlap, so a run
# that failed (carrier unreachable) is made up by the next ones.
RECONCILE_WINDOW = timedelta(hours=2)


def reconcile_window(
    session: Session,
    since: datetime,
    until: datetime,
    progress: Callable[[str], None] = lambda line: None,
) -> reconcile.Reconciliation:
    """Reconcile [since, until) with the carrier, then queue what it found (downloads of the
    recordings, the callers' SMS): the command and the beat job both run this."""
    config = settings()
    result = reconcile.reconcile(
        session,
        load_flow(config.ivr_flow_path),
        calls.LinePolicy.from_settings(config),
        telephony(),
        since,
        until,
        now(),
        commit=session.commit,
        progress=progress,
    )
    for recording_id in result.enqueue_recordings:
        enqueue_download(recording_id)
    for ticket_id in result.text_callers:
        enqueue_text_caller(ticket_id)
    return result


@shared_task(name="hotline.tasks.calls.reconcile_recent", acks_late=True)
def reconcile_recent() -> None:
    """Fill in what the webhooks missed in the last two hours, from the carrier's records."""

    def run(session: Session, at: datetime) -> str:
        try:
            return reconcile_window(session, at - RECONCILE_WINDOW, at).summary()
        except TelephonyError as exc:
            logger.warning("reconciliation skipped: %s", exc)
            return "carrier unreachable"

    locks.exclusive(database().sessions, "calls.reconcile", LOCK_TTL, now, run)


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


@shared_task(name="hotline.tasks.calls.text_caller", acks_late=True)
def text_caller(ticket_id: int) -> None:
    """Text a ticket's caller its reference (at most once per ticket)."""
    with database().sessions() as session:
        notify.text_caller(
            session, ticket_id, now(), send_sms=telephony().send_sms, commit=session.commit
        )


def enqueue_text_caller(ticket_id: int) -> bool:
    """Queue the caller's SMS after the webhook committed; a broker that is down loses only
    this courtesy text, never the webhook's answer."""
    try:
        text_caller.delay(ticket_id)
    except Exception:
        logger.exception("could not queue the caller's SMS of ticket %s", ticket_id)
        return False
    return True


def _hook_url(hook: Hook) -> str:
    return hook_url(settings().public_base_url, hook)


@shared_task(name="hotline.tasks.calls.place_callback", acks_late=True)
def place_callback(callback_id: int) -> None:
    """Ask the carrier to ring the agent of a call back (never twice: see callback.place)."""
    with database().sessions() as session:
        callback.place_callback(
            session,
            callback_id,
            now(),
            create_call=telephony().create_call,
            hook_url=_hook_url,
            line_number=settings().line_number,
            commit=session.commit,
        )


def enqueue_callback(callback_id: int) -> bool:
    """Queue a call back after the dashboard committed it; False if the broker is down."""
    try:
        place_callback.delay(callback_id)
    except Exception:
        logger.exception("could not queue call back %s", callback_id)
        return False
    return True


@shared_task(name="hotline.tasks.calls.survey_calls", acks_late=True)
def survey_calls() -> None:
    """Where configured, call residents of recently resolved tickets for a 1-5 score (once)."""
    config = settings()
    if not config.survey_call:
        return

    def sweep(session: Session, at: datetime) -> int:
        return survey_call.call_surveys(
            session,
            at,
            create_call=telephony().create_call,
            hook_url=_hook_url,
            line_number=config.line_number,
            delay=timedelta(minutes=config.survey_delay_minutes),
            commit=session.commit,
        )

    locks.exclusive(database().sessions, "calls.survey_calls", LOCK_TTL, now, sweep)
