"""Urgent escalation of a voicemail, exactly once per recording.

An escalating match (`apply` sets Recording.triage_escalate) is claimed with one conditional
UPDATE of Recording.escalated_at: however often and however concurrently the job runs, one run
wins, commits the claim, and only then texts the on-duty volunteer and the supervisors (each
message keyed in the outbox) and calls the volunteer with a short spoken alert. A worker that
dies after the claim leaves the alert unsent rather than sent twice (the outbox's at most once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from hotline import messaging, rota
from hotline.messaging import texts
from hotline.models import EventKind, NotificationKind, Recording, Ticket
from hotline.phone import mask_number
from hotline.telephony import TelephonyError
from hotline.tickets import workflow
from hotline.triage.rules import Rules

logger = logging.getLogger(__name__)

# The carrier fetches the spoken alert's TwiML here (?rec=<recording id>) and reports the
# alert call's statuses to the second; both are signed webhooks (hotline.web.voice.alerts).
ALERT_PATH = "/voice/triage-alert"
ALERT_STATUS_PATH = "/voice/triage-alert-status"
# The sweep looks this far back: an escalation found later than this is history, not news.
SWEEP_WINDOW = timedelta(hours=6)

PlaceCall = Callable[[str, str, str, str], str]  # (to, from_, url, status_callback) -> SID


@dataclass(frozen=True)
class Alerting:
    """The outside world of an escalation, passed in by its caller."""

    send_sms: messaging.SendSms
    place_call: PlaceCall
    base_url: str  # the public base URL the carrier reaches us at
    from_number: str  # caller ID of the alert call; empty: text only, no call
    extra_numbers: Sequence[str] = ()  # also texted, besides the supervisors


@dataclass(frozen=True)
class Escalation:
    """What one run did: whether it won the claim, how many texts, the alert call's SID."""

    recording_id: int
    claimed: bool
    texted: int = 0
    call_sid: str | None = None
    detail: str = ""


def alert_url(base_url: str, recording_id: int) -> str:
    """The public URL of the spoken alert of a recording."""
    return f"{base_url}{ALERT_PATH}?rec={recording_id}"


def claim(session: Session, recording_id: int, now: datetime) -> bool:
    """Mark the recording escalated if it needs it and nobody did; True for the one winner."""
    result = cast(
        CursorResult[object],
        session.execute(
            update(Recording)
            .where(
                Recording.id == recording_id,
                Recording.triage_escalate.is_(True),
                Recording.escalated_at.is_(None),
            )
            .values(escalated_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1


def due(session: Session, now: datetime, window: timedelta = SWEEP_WINDOW) -> list[int]:
    """Recordings with an escalating match not yet escalated, triaged within `window`."""
    return list(
        session.scalars(
            select(Recording.id)
            .where(
                Recording.triage_escalate.is_(True),
                Recording.escalated_at.is_(None),
                Recording.updated_at >= now - window,
            )
            .order_by(Recording.id)
            .limit(100)
        )
    )


def escalate(
    session: Session,
    recording_id: int,
    now: datetime,
    tools: Alerting,
    rules: Rules | None,
    *,
    commit: Callable[[], None],
) -> Escalation:
    """Claim the recording's escalation and, if this run won it, text and call (after the
    claim is committed; nothing is sent inside a transaction)."""
    if not claim(session, recording_id, now):
        session.rollback()
        return Escalation(recording_id, False, detail="nothing to escalate, or already done")
    commit()
    recording = session.get(Recording, recording_id)
    if recording is None:  # the claim just updated it: only a deletion since could do this
        return Escalation(recording_id, True, detail="the recording is gone")
    ticket = session.scalars(select(Ticket).where(Ticket.recording_id == recording_id)).first()
    ref = _ref(ticket)
    reason = reason_of(recording, rules)
    chain = [link for link in rota.on_duty(session, now) if link.number]
    volunteer = chain[0] if chain else None
    texted = 0
    if volunteer is not None:
        body = texts.text(
            "sms.triage_volunteer", ref=ref, reason=reason, summary=ticket.summary if ticket else ""
        )
        texted += messaging.deliver(
            session,
            key=f"triage:{recording_id}:volunteer",
            kind=NotificationKind.TRIAGE,
            to=volunteer.number,
            body=body,
            due_at=now,
            now=now,
            send_sms=tools.send_sms,
            commit=commit,
            volunteer_id=volunteer.volunteer_id,
        )
    who = volunteer.name if volunteer else texts.text("triage.nobody_on_duty")
    texted += messaging.deliver_to_each(
        session,
        messaging.supervisor_numbers(session, tools.extra_numbers),
        key=f"triage:{recording_id}:supervisors",
        kind=NotificationKind.TRIAGE,
        body=texts.text("sms.triage_supervisors", ref=ref, reason=reason, volunteer=who),
        due_at=now,
        now=now,
        send_sms=tools.send_sms,
        commit=commit,
    )
    call_sid = None
    if volunteer is not None and tools.from_number:
        commit()
        try:
            call_sid = tools.place_call(
                volunteer.number,
                tools.from_number,
                alert_url(tools.base_url, recording_id),
                tools.base_url + ALERT_STATUS_PATH,
            )
        except (TelephonyError, OSError) as exc:
            logger.warning(
                "recording %s: alert call to %s failed: %s",
                recording_id,
                mask_number(volunteer.number),
                exc,
            )
    if ticket is not None:
        called = texts.text("triage.called") if call_sid else ""
        note = texts.text("ticket.triage_escalated", who=who, called=called, count=texted)
        workflow.record(session, ticket, EventKind.NOTE, workflow.SYSTEM, now, note=note)
    commit()
    return Escalation(
        recording_id,
        True,
        texted,
        call_sid,
        f"texted {texted}, "
        + (f"called {mask_number(volunteer.number)}" if call_sid and volunteer else "no call"),
    )


def spoken_alert(session: Session, recording_id: int, rules: Rules | None) -> str:
    """What the alert call says: the ticket's short reference digit by digit, and why."""
    recording = session.get(Recording, recording_id) if recording_id > 0 else None
    if recording is None:
        return texts.text("voice.triage_alert_unknown")
    ticket = session.scalars(select(Ticket).where(Ticket.recording_id == recording_id)).first()
    spoken_ref = " ".join(_ref(ticket))
    return texts.text("voice.triage_alert", ref=spoken_ref, reason=reason_of(recording, rules))


def reason_of(recording: Recording, rules: Rules | None) -> str:
    """The reason of the recording's match: its rule's reason if the rules still have the
    phrase, else the phrase itself."""
    phrase = recording.triage_phrase or ""
    if rules is not None:
        for rule in rules.rules:
            if phrase in rule.phrases:
                return rule.reason
    return phrase


def _ref(ticket: Ticket | None) -> str:
    if ticket is None:
        return "-"
    return ticket.ref or ticket.number
