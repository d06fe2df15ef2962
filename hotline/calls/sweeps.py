"""Sweeps of the call path: calls whose final status never came, calls that found nobody."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import messaging
from hotline.calls.line import LinePolicy
from hotline.calls.outcome import settle
from hotline.messaging.texts import text
from hotline.models import Call, NotificationKind

logger = logging.getLogger(__name__)


def settle_stale(session: Session, policy: LinePolicy, now: datetime, older_than: timedelta) -> int:
    """End calls the carrier never reported final (a lost status callback), so each gets its
    ticket; returns how many were settled."""
    stale = session.scalars(
        select(Call).where(Call.ended_at.is_(None), Call.started_at < now - older_than)
    ).all()
    for call in stale:
        logger.warning("call %s: no final status after %s; settling it", call.call_sid, older_than)
        call.ended_at = now
        call.error_reason = "no final status from the carrier"
        settle(session, policy, call, now)
    return len(stale)


# Calls older than this when the sweep first sees them are history, not news.
UNSTAFFED_ALERT_WINDOW = timedelta(hours=1)


def alert_unstaffed(
    session: Session,
    now: datetime,
    send_sms: messaging.SendSms,
    *,
    timezone: str,
    extra_numbers: Sequence[str],
    commit: Callable[[], None],
) -> int:
    """Text supervisors about each recent call that found nobody on duty, once per call and
    number; returns how many messages went out."""
    calls = session.scalars(
        select(Call).where(
            Call.hunt_started_at >= now - UNSTAFFED_ALERT_WINDOW,
            Call.dial_index == -1,
        )
    ).all()
    numbers = messaging.supervisor_numbers(session, extra_numbers)
    sent = 0
    for call in calls:
        called_at = call.started_at.astimezone(ZoneInfo(timezone))
        body = text("sms.unstaffed_call", called_at=called_at)
        sent += messaging.deliver_to_each(
            session,
            numbers,
            key=f"unstaffed:{call.call_sid}",
            kind=NotificationKind.UNSTAFFED,
            body=body,
            due_at=call.started_at,
            now=now,
            send_sms=send_sms,
            commit=commit,
        )
    return sent
