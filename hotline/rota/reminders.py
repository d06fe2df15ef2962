"""Rota SMS from beat sweeps: shift reminders, handoffs and coverage gap alerts, each sent once.

Sweeps look at the rota as it is now (never at messages planned earlier, which a later swap
could make wrong) and text whatever is due through the outbox (hotline.messaging), which
sends each keyed message at most once.

Coverage alerts go to supervisors: active dashboard users with the supervisor role whose
account is linked to a volunteer (that volunteer's mobile), plus the numbers in
HOTLINE_ROTA_ALERT_NUMBERS for those without a dashboard account.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.messaging.outbox import SendSms, deliver, deliver_to_each, supervisor_numbers
from hotline.messaging.texts import text
from hotline.models import (
    CoverageAlert,
    NotificationKind,
    Ticket,
    TicketStatus,
    Volunteer,
)
from hotline.rota.chain import ShiftWindow, layer_label, merge_runs, plan_between
from hotline.rota.reports import Window, coverage

logger = logging.getLogger(__name__)

# A handoff SMS later than this after the shift started is stale (beat was down): skip it.
HANDOFF_GRACE = timedelta(minutes=30)
# How far back the handoff looks for the previous primary shift's start, and how far past
# a shift's start the sweep looks for its end (longer shifts are texted without their end).
HANDOFF_LOOKBACK = timedelta(days=2)
SHIFT_LOOKAHEAD = timedelta(days=2)
TICKETS_LISTED = 5


def _until(run: ShiftWindow, horizon: datetime, tz: ZoneInfo) -> str:
    """ "，至…" with the end of the shift, or nothing when it runs past what was looked at."""
    if run.ends_at >= horizon:
        return ""
    return text("sms.shift_until", ends_at=run.ends_at.astimezone(tz))


def _stamp(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _open_tickets(session: Session, since: datetime, until: datetime) -> list[str]:
    return list(
        session.scalars(
            select(Ticket.number)
            .where(
                Ticket.status == TicketStatus.OPEN,
                Ticket.created_at >= since,
                Ticket.created_at < until,
            )
            .order_by(Ticket.created_at)
        )
    )


def _handover(tickets: Sequence[str]) -> str:
    if not tickets:
        return text("sms.handover_none")
    listed = text("sms.list_separator").join(tickets[:TICKETS_LISTED])
    more = text("sms.list_more") if len(tickets) > TICKETS_LISTED else ""
    return text("sms.handover_some", count=len(tickets), numbers=listed, more=more)


def _previous_start(
    run: ShiftWindow, primaries: Sequence[ShiftWindow], floor: datetime
) -> datetime:
    """Start of the primary shift (or gap) that ended when `run` began."""
    before = [r for r in primaries if r.ends_at <= run.starts_at]
    if not before:
        return floor
    last = max(before, key=lambda r: r.ends_at)
    # A gap between them was nobody's shift; its tickets are handed over too.
    return last.starts_at if last.ends_at == run.starts_at else last.ends_at


def send_due_reminders(
    session: Session,
    now: datetime,
    send_sms: SendSms,
    *,
    lead: timedelta,
    timezone: str,
    commit: Callable[[], None],
) -> int:
    """Remind volunteers of shifts starting within `lead`; hand off primary shifts starting now.

    Returns how many messages went out.
    """
    tz = ZoneInfo(timezone)
    floor, ceiling = now - HANDOFF_LOOKBACK, now + lead + SHIFT_LOOKAHEAD
    runs = merge_runs(plan_between(session, floor, ceiling).windows())
    # A run starting at the window's edge only looks like a start: it was clipped.
    starts = [r for r in runs if r.starts_at > floor]
    primaries = [r for r in runs if r.layer == 1]
    mobiles: dict[int, str] = {}
    if starts:
        ids = {r.volunteer_id for r in starts}
        for volunteer_id, mobile in session.execute(
            select(Volunteer.id, Volunteer.mobile).where(Volunteer.id.in_(ids))
        ):
            mobiles[volunteer_id] = mobile
    sent = 0
    for run in starts:
        label = layer_label(run.layer)
        if lead and run.starts_at - lead <= now < run.starts_at:
            sent += deliver(
                session,
                key=f"reminder:{run.volunteer_id}:{run.layer}:{_stamp(run.starts_at)}",
                kind=NotificationKind.REMINDER,
                to=mobiles[run.volunteer_id],
                body=text(
                    "sms.shift_reminder",
                    name=run.name,
                    layer=label,
                    starts_at=run.starts_at.astimezone(tz),
                    until=_until(run, ceiling, tz),
                ),
                due_at=run.starts_at - lead,
                now=now,
                send_sms=send_sms,
                commit=commit,
                volunteer_id=run.volunteer_id,
            )
        if run.layer == 1 and run.starts_at <= now < run.starts_at + HANDOFF_GRACE:
            tickets = _open_tickets(session, _previous_start(run, primaries, floor), run.starts_at)
            handover = _handover(tickets)
            sent += deliver(
                session,
                key=f"handoff:{run.volunteer_id}:{_stamp(run.starts_at)}",
                kind=NotificationKind.HANDOFF,
                to=mobiles[run.volunteer_id],
                body=text(
                    "sms.handoff",
                    name=run.name,
                    layer=label,
                    until=_until(run, ceiling, tz),
                    handover=handover,
                ),
                due_at=run.starts_at,
                now=now,
                send_sms=send_sms,
                commit=commit,
                volunteer_id=run.volunteer_id,
            )
    return sent


def check_coverage(
    session: Session,
    now: datetime,
    send_sms: SendSms,
    *,
    horizon: timedelta,
    timezone: str,
    extra_numbers: Sequence[str],
    commit: Callable[[], None],
) -> list[CoverageAlert]:
    """Raise an alert (and text supervisors, once) for every gap starting within `horizon`.

    Alerts whose gap was filled or has passed are resolved. Returns the open alerts.
    """
    tz = ZoneInfo(timezone)
    # Looking back a day finds where a gap already under way began.
    start, end = now - timedelta(days=1), now + horizon
    gaps = [
        g for g in coverage(plan_between(session, start, end), start, end).gaps if g.ends_at > now
    ]
    alerts = list(session.scalars(select(CoverageAlert).where(CoverageAlert.resolved_at.is_(None))))
    still_open: list[CoverageAlert] = []
    for gap in gaps:
        alert = next(
            (a for a in alerts if a.starts_at < gap.ends_at and a.ends_at > gap.starts_at), None
        )
        if alert is None:
            alert = _raise_alert(session, gap, now)
        else:
            alert.ends_at = gap.ends_at
        still_open.append(alert)
    for alert in alerts:
        if alert not in still_open:
            alert.resolved_at = now
    session.flush()
    numbers = supervisor_numbers(session, extra_numbers)
    if not numbers and still_open:
        logger.warning("rota gap ahead but no supervisor number to alert")
    for alert in still_open:
        until = (
            text("sms.gap_open_ended")
            if alert.ends_at >= end
            else text("sms.gap_until", ends_at=alert.ends_at.astimezone(tz))
        )
        body = text("sms.coverage_gap", starts_at=alert.starts_at.astimezone(tz), until=until)
        deliver_to_each(
            session,
            numbers,
            key=f"coverage:{alert.id}:{_stamp(alert.detected_at)}",
            kind=NotificationKind.COVERAGE,
            body=body,
            due_at=alert.detected_at,
            now=now,
            send_sms=send_sms,
            commit=commit,
        )
    return still_open


def _raise_alert(session: Session, gap: Window, now: datetime) -> CoverageAlert:
    """A new alert, or the one of an earlier gap with the same start reopened."""
    alert = session.scalar(select(CoverageAlert).where(CoverageAlert.starts_at == gap.starts_at))
    if alert is None:
        alert = CoverageAlert(starts_at=gap.starts_at, ends_at=gap.ends_at, detected_at=now)
        session.add(alert)
    else:
        alert.ends_at, alert.detected_at, alert.resolved_at = gap.ends_at, now, None
    logger.info("rota gap from %s to %s", gap.starts_at.isoformat(), gap.ends_at.isoformat())
    return alert
