"""Call back through the line: the line rings the agent (a volunteer or a technician), then
bridges the resident in. Both legs show the hotline's own number, so neither side sees the
other's. Every step is a CALLBACK event on the ticket.

The steps: `request_callback` (the dashboard) writes the row; `place_callback` (a task, after
commit) asks the carrier to ring the agent; `agent_answered` (webhook) dials the resident;
`resident_dialled` (the Dial's action) and `agent_leg_status` (the status callback) settle it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.calls.line import LinePolicy, record_event, spell_slowly
from hotline.calls.outcome import FINAL_CALL_STATUSES
from hotline.messaging.texts import text
from hotline.models import (
    Callback,
    CallbackStatus,
    EventKind,
    Technician,
    Ticket,
    User,
    Volunteer,
)
from hotline.phone import mask_number, normalize_number
from hotline.refusal import N_
from hotline.telephony import TelephonyError
from hotline.tickets.workflow import SYSTEM, Actor, TicketError, record
from hotline.verbs import Dial, DialNumber, Hangup, Hook, Reply, Say

logger = logging.getLogger(__name__)

# The carrier asked to place a call: (to, from_, answer URL, status callback URL) -> call SID.
CreateCall = Callable[[str, str, str, str], str]

# A call back not settled within this long is stale (its callbacks were lost): a new one may
# be asked for.
UNDER_WAY_FOR = timedelta(minutes=15)
UNDER_WAY = (CallbackStatus.REQUESTED, CallbackStatus.DIALING, CallbackStatus.BRIDGED)
# Who rings the resident: the signed-in user's linked volunteer, or the ticket's technician.
VIA = ("me", "technician")


def _event(
    session: Session,
    callback: Callback,
    actor: Actor,
    now: datetime,
    note: str = "",
) -> None:
    ticket = session.get(Ticket, callback.ticket_id)
    if ticket is not None:
        record(
            session,
            ticket,
            EventKind.CALLBACK,
            actor,
            now,
            field="callback",
            to_value=callback.status.value,
            note=note,
        )


def _agent(session: Session, ticket: Ticket, actor: Actor, via: str) -> tuple[str, str]:
    """(name, mobile) of whom the line rings first."""
    if via == "technician":
        technician = session.get(Technician, ticket.technician_id) if ticket.technician_id else None
        if technician is None or not technician.active:
            raise TicketError(N_("the ticket has no active technician to ring"))
        return technician.name, technician.mobile
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    volunteer = session.get(Volunteer, user.volunteer_id) if user and user.volunteer_id else None
    if volunteer is None:
        raise TicketError(N_("your account has no linked volunteer mobile to ring"))
    return volunteer.name, volunteer.mobile


def under_way(session: Session, ticket: Ticket, now: datetime) -> Callback | None:
    """The ticket's call back still in progress, if any."""
    return session.scalars(
        select(Callback)
        .where(
            Callback.ticket_id == ticket.id,
            Callback.status.in_(UNDER_WAY),
            Callback.created_at > now - UNDER_WAY_FOR,
        )
        .order_by(Callback.id.desc())
        .limit(1)
    ).first()


def recent(session: Session, ticket: Ticket, limit: int = 3) -> list[Callback]:
    """The ticket's latest call backs, newest first (for its page)."""
    return list(
        session.scalars(
            select(Callback)
            .where(Callback.ticket_id == ticket.id)
            .order_by(Callback.id.desc())
            .limit(limit)
        )
    )


def request_callback(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    now: datetime,
    *,
    via: str,
    line_number: str,
) -> Callback:
    """Ask for a call back to the ticket's caller through the line; TicketError if it cannot be
    made (no hotline number, no caller number, nobody to ring, one already under way)."""
    if not line_number:
        raise TicketError(N_("call backs need the hotline's number to be configured"))
    resident = normalize_number(ticket.caller_number)
    if resident is None:
        raise TicketError(N_("this ticket has no caller number to call back"))
    if via not in VIA:
        raise TicketError(N_("choose whom the line rings first"))
    name, mobile = _agent(session, ticket, actor, via)
    agent = normalize_number(mobile)
    if agent is None:
        raise TicketError(N_("%(name)s has no usable mobile number"), name=name)
    if under_way(session, ticket, now) is not None:
        raise TicketError(N_("a call back for this ticket is already under way"))
    callback = Callback(
        ticket_id=ticket.id,
        user_id=actor.user_id,
        agent_number=agent,
        resident_number=resident,
        status=CallbackStatus.REQUESTED,
        created_at=now,
        detail="",
    )
    session.add(callback)
    session.flush()
    _event(session, callback, actor, now, note=name)
    return callback


def give_up(session: Session, callback_id: int, now: datetime, reason: str) -> None:
    """Fail a call back that could not be started (its job could not be queued)."""
    callback = session.get(Callback, callback_id)
    if callback is not None and callback.status is CallbackStatus.REQUESTED:
        callback.status = CallbackStatus.FAILED
        callback.detail = reason[:200]
        _event(session, callback, SYSTEM, now, note=callback.detail)


def place_callback(
    session: Session,
    callback_id: int,
    now: datetime,
    *,
    create_call: CreateCall,
    hook_url: Callable[[Hook], str],
    line_number: str,
    commit: Callable[[], None],
) -> bool:
    """Ring the agent's phone through the carrier, once: the row is marked dialling and
    committed before the carrier is asked, so a retried task never rings twice."""
    callback = session.get(Callback, callback_id)
    if callback is None or callback.status is not CallbackStatus.REQUESTED:
        return False
    callback.status = CallbackStatus.DIALING
    _event(session, callback, SYSTEM, now)
    agent = callback.agent_number
    answer_url = hook_url(Hook("callback", {"id": callback_id}))
    status_url = hook_url(Hook("callback_status", {"id": callback_id}))
    commit()
    try:
        sid = create_call(agent, line_number, answer_url, status_url)
    except TelephonyError as exc:
        logger.warning("call back %d to %s failed: %s", callback_id, mask_number(agent), exc)
        callback.status = CallbackStatus.FAILED
        callback.detail = f"carrier: {exc}"[:200]
        _event(session, callback, SYSTEM, now, note=callback.detail)
        commit()
        return False
    callback.call_sid = sid
    commit()
    logger.info("call back %d: ringing %s (%s)", callback_id, mask_number(agent), sid)
    return True


def _leg(session: Session, callback_id: int, params: Mapping[str, str]) -> Callback | None:
    """The call back a webhook is about, if the call is the one placed for it."""
    callback = session.get(Callback, callback_id) if callback_id >= 0 else None
    if callback is None:
        return None
    sid = params.get("CallSid", "")
    if callback.call_sid is None:
        # The carrier can answer before the task stored the SID it returned.
        callback.call_sid = sid
    return callback if callback.call_sid == sid else None


def _apology(policy: LinePolicy) -> Reply:
    return (
        Say(text("callback.apology", "zh"), "zh-CN", policy.tts_voices.get("zh-CN", "")),
        Hangup(),
    )


def agent_answered(
    session: Session, policy: LinePolicy, params: Mapping[str, str], now: datetime, callback_id: int
) -> Reply:
    """The agent picked up: say which ticket, then dial the resident with the hotline's number."""
    sid = params.get("CallSid", "")
    record_event(session, sid, "callback", f"callback:{callback_id}:answer", params, now)
    callback = _leg(session, callback_id, params)
    if callback is None or callback.status not in (
        CallbackStatus.DIALING,
        CallbackStatus.BRIDGED,
    ):
        return _apology(policy)
    if callback.status is CallbackStatus.DIALING:
        callback.status = CallbackStatus.BRIDGED
        _event(session, callback, SYSTEM, now)
    ticket = session.get(Ticket, callback.ticket_id)
    ref = (ticket.ref or ticket.number) if ticket else ""
    prompt = text("callback.agent_prompt", "zh", ref=spell_slowly(ref, "zh"))
    return (
        Say(prompt, "zh-CN", policy.tts_voices.get("zh-CN", "")),
        Dial(
            (DialNumber(callback.resident_number),),
            Hook("callback_dial", {"id": callback_id}),
            policy.ring_timeout_s,
            caller_id=policy.line_number,
        ),
    )


def resident_dialled(
    session: Session, policy: LinePolicy, params: Mapping[str, str], now: datetime, callback_id: int
) -> Reply:
    """The resident's leg ended: talked (completed) or never came on (busy, no answer...)."""
    sid = params.get("CallSid", "")
    status = params.get("DialCallStatus", "")
    record_event(session, sid, "callback_dial", f"callback:{callback_id}:dial", params, now)
    callback = _leg(session, callback_id, params)
    if callback is None or callback.status is not CallbackStatus.BRIDGED:
        return (Hangup(),)
    if status == "completed":
        callback.status = CallbackStatus.COMPLETED
        callback.detail = f"talked {params.get('DialCallDuration', '0')} s"
    else:
        callback.status = CallbackStatus.FAILED
        callback.detail = f"resident: {status or 'unknown'}"
    _event(session, callback, SYSTEM, now, note=callback.detail)
    return (Hangup(),)


def agent_leg_status(
    session: Session, policy: LinePolicy, params: Mapping[str, str], now: datetime, callback_id: int
) -> Reply:
    """The carrier's status of the agent's leg: a final one before the agent answered fails the
    call back (the resident's result, if dialled, comes from the Dial's action)."""
    sid = params.get("CallSid", "")
    status = params.get("CallStatus", "")
    record_event(
        session, sid, "callback_status", f"callback:{callback_id}:status:{status}", params, now
    )
    callback = _leg(session, callback_id, params)
    if callback is None or status not in FINAL_CALL_STATUSES:
        return ()
    if callback.status is CallbackStatus.DIALING:
        callback.status = CallbackStatus.FAILED
        callback.detail = f"agent: {status}"
        _event(session, callback, SYSTEM, now, note=callback.detail)
    return ()
