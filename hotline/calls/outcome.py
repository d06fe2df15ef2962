"""How a call ended: its recordings, its final status, and the outcome settled onto its ticket."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.calls.line import (
    CallUpdate,
    LinePolicy,
    RecordingFacts,
    call_for,
    message,
    open_ticket,
    record_event,
    reference_gather,
    speak,
)
from hotline.ivr.model import Flow
from hotline.models import Call, CallOutcome, Recording, RecordingStatus
from hotline.tickets.intake import ticket_for_call
from hotline.tickets.lifecycle import settle_source
from hotline.verbs import Hangup, Reply

# Carrier statuses after which a call leg is over.
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
# Status callbacks can arrive late: once one is final, an earlier one must not overwrite it.
RECORDING_STATUS_RANK = {"absent": 0, "failed": 1, "completed": 2}


def _upsert_recording(session: Session, call: Call, facts: RecordingFacts) -> Recording:
    """Insert or merge what we know of a recording; later callbacks never downgrade it."""
    recording = session.scalars(
        select(Recording).where(Recording.recording_sid == facts.sid)
    ).one_or_none()
    if recording is None:
        recording = Recording(
            recording_sid=facts.sid,
            call_id=call.id,
            url=facts.url,
            duration_s=facts.duration_s,
            carrier_status=facts.status,
            status=RecordingStatus.AWAITING_DOWNLOAD,
        )
        _mark_empty(recording)
        session.add(recording)
        session.flush()
        return recording
    recording.url = recording.url or facts.url
    recording.duration_s = max(recording.duration_s, facts.duration_s)
    if RECORDING_STATUS_RANK.get(facts.status, -1) > RECORDING_STATUS_RANK.get(
        recording.carrier_status, -1
    ):
        recording.carrier_status = facts.status
    _mark_empty(recording)
    return recording


def _mark_empty(recording: Recording) -> None:
    """Before any job takes it, a recording is `empty` while the carrier's facts say it has no
    audio; facts only improve, so a later callback with audio makes it downloadable again."""
    if recording.status in (RecordingStatus.AWAITING_DOWNLOAD, RecordingStatus.EMPTY):
        has_audio = recording.carrier_status == "completed" and recording.duration_s > 0
        recording.status = RecordingStatus.AWAITING_DOWNLOAD if has_audio else RecordingStatus.EMPTY


def _voicemail_recording(session: Session, call: Call) -> Recording | None:
    """The call's usable voicemail: completed with some audio."""
    return session.scalars(
        select(Recording)
        .where(
            Recording.call_id == call.id,
            Recording.carrier_status == "completed",
            Recording.duration_s > 0,
        )
        .order_by(Recording.id)
        .limit(1)
    ).one_or_none()


def to_enqueue(recording: Recording | None) -> tuple[int, ...]:
    """The recording, if it holds audio and has not been queued for download yet."""
    if (
        recording is None
        or recording.carrier_status != "completed"
        or not recording.duration_s
        or recording.enqueued_at is not None
    ):
        return ()
    return (recording.id,)


def recording_action(
    session: Session,
    flow: Flow,
    policy: LinePolicy,
    params: Mapping[str, str],
    now: datetime,
) -> CallUpdate:
    """The caller finished a voicemail (or hung up during it)."""
    sid = params["CallSid"]
    facts = _recording_facts(params, default_status="completed")
    record_event(session, sid, "recording", f"recording:{facts.sid or '-'}", params, now)
    call = call_for(session, sid, params, now)
    call.voicemail_started_at = call.voicemail_started_at or now
    recording = _upsert_recording(session, call, facts) if facts.sid else None
    settle(session, policy, call, now)
    ticket = open_ticket(session, call, policy, now)
    reply: Reply = (
        *speak((message(flow, "voicemail_saved", call),), policy),
        reference_gather(flow, policy, call, ticket, "bye"),
        *speak((message(flow, "goodbye", call),), policy),
        Hangup(),
    )
    return CallUpdate(reply, to_enqueue(recording))


def recording_status(
    session: Session, flow: Flow, policy: LinePolicy, params: Mapping[str, str], now: datetime
) -> CallUpdate:
    """The carrier says a recording is ready, absent or failed (the reply is ignored)."""
    sid = params["CallSid"]
    facts = _recording_facts(params, default_status="completed")
    key = f"recording_status:{facts.sid or '-'}:{facts.status}"
    record_event(session, sid, "recording_status", key, params, now)
    call = call_for(session, sid, params, now)
    call.voicemail_started_at = call.voicemail_started_at or now
    recording = _upsert_recording(session, call, facts) if facts.sid else None
    settle(session, policy, call, now)
    return CallUpdate((), to_enqueue(recording))


def _recording_facts(params: Mapping[str, str], default_status: str) -> RecordingFacts:
    try:
        duration = max(0, int(params.get("RecordingDuration") or 0))
    except ValueError:
        duration = 0
    return RecordingFacts(
        sid=params.get("RecordingSid", ""),
        url=params.get("RecordingUrl", ""),
        duration_s=duration,
        status=params.get("RecordingStatus") or default_status,
    )


def call_status(
    session: Session, flow: Flow, policy: LinePolicy, params: Mapping[str, str], now: datetime
) -> CallUpdate:
    """The carrier reports the call's status; a final one ends the call, settles its ticket and
    (if configured) has the caller texted its reference (the reply is ignored)."""
    sid = params["CallSid"]
    status = params.get("CallStatus", "")
    record_event(session, sid, "status", f"status:{status}", params, now)
    call = call_for(session, sid, params, now)
    if call.ended_at is not None:
        return CallUpdate(())
    call.carrier_status = status or call.carrier_status
    if status not in FINAL_CALL_STATUSES:
        return CallUpdate(())
    call.ended_at = now
    try:
        call.duration_s = int(params.get("CallDuration") or 0)
    except ValueError:
        call.duration_s = None
    settle(session, policy, call, now)
    ticket = ticket_for_call(session, call)
    # Only the callback that ended the call queues the text; the outbox's key per ticket
    # keeps it to one SMS even if this is queued twice.
    tell = (ticket.id,) if policy.caller_sms and ticket is not None else ()
    return CallUpdate((), text_callers=tell)


def settle(session: Session, policy: LinePolicy, call: Call, now: datetime) -> None:
    """Derive the call's outcome from its facts and, once it is known, settle its ticket."""
    voicemail = _voicemail_recording(session, call)
    if call.accepted_index is not None:
        outcome = CallOutcome.ANSWERED
    elif voicemail is not None:
        outcome = CallOutcome.VOICEMAIL
    elif call.voicemail_started_at is not None and (
        call.ended_at is not None or _has_final_recording(session, call)
    ):
        outcome = CallOutcome.VOICEMAIL
    elif call.ended_at is not None:
        never_answered = call.carrier_status in {"busy", "no-answer", "failed", "canceled"}
        outcome = CallOutcome.FAILED if never_answered else CallOutcome.ABANDONED
    else:
        return
    call.outcome = outcome
    if outcome is CallOutcome.ABANDONED and enquiry_only(session, call):
        # The caller heard where their ticket stands and hung up in the menu: that ticket is
        # the issue; a new one would only ask for a call back nobody needs.
        return
    ticket = open_ticket(session, call, policy, now)
    settle_source(ticket, call, voicemail)


def enquiry_only(session: Session, call: Call) -> bool:
    """Whether the call was told a ticket's status and has no ticket of its own."""
    told = any(step.get("found") for step in call.path)
    return told and ticket_for_call(session, call) is None


def _has_final_recording(session: Session, call: Call) -> bool:
    return (
        session.scalars(select(Recording.id).where(Recording.call_id == call.id).limit(1)).first()
        is not None
    )
