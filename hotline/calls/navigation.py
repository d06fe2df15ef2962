"""A call from ring to ticket: IVR navigation, forwarding to the rota, voicemail, settling.

Each public function handles one carrier webhook. All of them are idempotent: the webhook is
logged with a dedupe key first, and a redelivered one changes no row and gets the current
state's reply again. Callbacks that may arrive in any order (call status, recording status,
recording action) only add facts; `settle` derives the outcome from the facts, so any order
of the same facts gives the same rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from hotline import messaging, rota, tickets
from hotline.db import upsert
from hotline.ivr import engine
from hotline.ivr.engine import Ask, Connect, End, IvrState, Outcome, SpokenPrompt, TakeMessage
from hotline.ivr.model import Flow
from hotline.models import (
    Call,
    CallEvent,
    CallOutcome,
    Category,
    NotificationKind,
    Recording,
    RecordingStatus,
    Ticket,
)
from hotline.phone import mask_number
from hotline.settings import Settings
from hotline.verbs import (
    Dial,
    DialNumber,
    Gather,
    Hangup,
    Hook,
    Play,
    Record,
    Redirect,
    Reply,
    Say,
    Verb,
)

logger = logging.getLogger(__name__)

# Below this many seconds left of the total ring limit, ringing another phone is pointless.
MIN_RING_S = 5
SCREEN_TIMEOUT_S = 8
# Carrier statuses after which a call leg is over.
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
# Status callbacks can arrive late: once one is final, an earlier one must not overwrite it.
RECORDING_STATUS_RANK = {"absent": 0, "failed": 1, "completed": 2}
ZH_DIGITS = dict(zip("0123456789", "零一二三四五六七八九", strict=True))


@dataclass(frozen=True)
class LinePolicy:
    """The knobs of the line that come from settings."""

    ring_timeout_s: int
    total_ring_limit_s: int
    voicemail_max_length_s: int
    # Voice of <Say> per say_language (zh-CN...); missing = the carrier's default.
    tts_voices: Mapping[str, str]
    timezone: str
    sla_hours: int
    supervisor_number: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> LinePolicy:
        """The policy configured for this installation."""
        return cls(
            ring_timeout_s=settings.ring_timeout_s,
            total_ring_limit_s=settings.total_ring_limit_s,
            voicemail_max_length_s=settings.voicemail_max_length_s,
            tts_voices=dict(settings.tts_voices),
            timezone=settings.timezone,
            sla_hours=settings.ticket_sla_hours,
            supervisor_number=settings.supervisor_fallback_number,
        )


@dataclass(frozen=True)
class RecordingFacts:
    """What the carrier told us about a recording."""

    sid: str
    url: str
    duration_s: int
    status: str


@dataclass(frozen=True)
class CallUpdate:
    """A reply for the carrier and the recordings to queue for download once committed."""

    reply: Reply
    enqueue_recordings: tuple[int, ...] = ()


def record_event(
    session: Session, call_sid: str, kind: str, key: str, payload: Mapping[str, str], now: datetime
) -> bool:
    """Append a webhook to the event log; False if this exact delivery was logged before."""
    # A Core statement on the table, built once per database: every webhook runs it, and the
    # ORM's per-statement work showed up as a fifth of the incoming webhook's time.
    stmt = _EVENT_INSERTS.get(session.get_bind().dialect.name)
    if stmt is None:
        stmt = upsert(session, cast(Table, CallEvent.__table__)).on_conflict_do_nothing(
            index_elements=["dedupe_key"]
        )
        _EVENT_INSERTS[session.get_bind().dialect.name] = stmt
    values = {
        "call_sid": call_sid,
        "kind": kind,
        "dedupe_key": f"{call_sid}:{key}"[:200],
        "payload": dict(payload),
        "received_at": now,
    }
    result = cast(CursorResult[Any], session.execute(stmt, values))
    return bool(result.rowcount)


_EVENT_INSERTS: dict[str, Executable] = {}


def find_call(session: Session, call_sid: str) -> Call | None:
    """The call with this carrier SID."""
    return session.scalars(select(Call).where(Call.call_sid == call_sid)).one_or_none()


def _new_call(call_sid: str, params: Mapping[str, str], now: datetime) -> Call:
    # Counters are set here, not left to column defaults: those apply only at INSERT, and a
    # new call is used before it is flushed.
    return Call(
        call_sid=call_sid,
        from_number=params.get("From", ""),
        to_number=params.get("To", ""),
        direction=params.get("Direction", "inbound"),
        started_at=now,
        node_id="",
        step=0,
        attempts=0,
        dial_index=-1,
        path=[],
        chain=[],
    )


def _call_for(session: Session, call_sid: str, params: Mapping[str, str], now: datetime) -> Call:
    """The call, created from the webhook's parameters if this is the first we hear of it."""
    call = find_call(session, call_sid)
    if call is None:
        call = _new_call(call_sid, params, now)
        session.add(call)
        session.flush()
    return call


def _state(call: Call) -> IvrState:
    return IvrState(call.node_id, call.language, call.attempts, call.category_code)


def _speak(prompts: tuple[SpokenPrompt, ...], policy: LinePolicy) -> tuple[Say | Play, ...]:
    return tuple(
        Play(p.audio_url)
        if p.audio_url
        else Say(p.text, p.say_language, policy.tts_voices.get(p.say_language, ""))
        for p in prompts
    )


def spell_digits(number: str, language: str) -> str:
    """A ticket number read digit by digit: 2026-000123 -> "二 零 二 六，零 零 零 一 二 三"."""
    groups = number.split("-")
    if language == "zh":
        return "，".join(" ".join(ZH_DIGITS.get(c, c) for c in group) for group in groups)
    return ", ".join(" ".join(group) for group in groups)


def _message(flow: Flow, key: str, call: Call, **params: str) -> SpokenPrompt:
    return engine.message(flow, key, call.language, **params)


def _ticket_prompt(flow: Flow, call: Call, ticket: Ticket) -> SpokenPrompt:
    return _message(flow, "ticket_number", call, digits=spell_digits(ticket.number, call.language))


def _move(call: Call, state: IvrState, digits: str | None, now: datetime) -> None:
    """Store the engine's new state and extend the call's IVR path (node reached, key pressed)."""
    call.path = [*call.path, {"node": state.node_id, "input": digits, "at": now.isoformat()}]
    call.node_id = state.node_id
    call.language = state.language
    call.attempts = state.attempts
    call.category_code = state.category or call.category_code


def _ask(call: Call, outcome: Ask, policy: LinePolicy) -> Reply:
    hook = Hook("gather", {"step": call.step})
    return (
        Gather(hook, _speak(outcome.prompts, policy), outcome.num_digits, outcome.timeout_s),
        # No input: the carrier falls through the Gather to this redirect, without Digits.
        Redirect(hook),
    )


def _open_ticket(session: Session, call: Call, policy: LinePolicy, now: datetime) -> Ticket:
    return tickets.open_for_call(
        session, call, now=now, timezone=policy.timezone, sla_hours=policy.sla_hours
    )


def _act(
    session: Session,
    flow: Flow,
    policy: LinePolicy,
    call: Call,
    outcome: Outcome,
    digits: str | None,
    now: datetime,
) -> Reply:
    """Carry out what the IVR engine decided."""
    _move(call, outcome.state, digits, now)
    if isinstance(outcome, Ask):
        return _ask(call, outcome, policy)
    if isinstance(outcome, End):
        return (*_speak(outcome.prompts, policy), Hangup())
    ticket = _open_ticket(session, call, policy, now)
    told = _speak((*outcome.prompts, _ticket_prompt(flow, call, ticket)), policy)
    if isinstance(outcome, Connect):
        return told + _start_hunt(session, flow, policy, call, now)
    assert isinstance(outcome, TakeMessage)  # noqa: S101  (Outcome is a closed union)
    return told + _voicemail(flow, policy, call, now, "voicemail_intro")


def _start_hunt(
    session: Session, flow: Flow, policy: LinePolicy, call: Call, now: datetime
) -> Reply:
    """Snapshot the on-duty chain onto the call, so a rota edit mid-call changes nothing.

    Each link carries the ring group it is dialled in: one per volunteer with the sequential
    strategy, `ring_group_size` volunteers at once with the simultaneous one. The supervisors'
    fallback number rings last, on its own.
    """
    size = flow.routing.group_size
    chain: list[dict[str, Any]] = [
        {
            "volunteer_id": d.volunteer_id,
            "name": d.name,
            "number": d.number,
            "layer": d.layer,
            "group": position // size,
        }
        for position, d in enumerate(rota.on_duty(session, now))
    ]
    if policy.supervisor_number and all(
        link["number"] != policy.supervisor_number for link in chain
    ):
        chain.append(
            {
                "volunteer_id": None,
                "name": "supervisor",
                "number": policy.supervisor_number,
                "layer": len(chain) + 1,
                "group": chain[-1]["group"] + 1 if chain else 0,
            }
        )
    call.chain = chain
    call.dial_index = -1
    call.hunt_started_at = now
    if not chain:
        logger.warning("call %s: nobody on duty, straight to voicemail", call.call_sid)
        return _voicemail(flow, policy, call, now, "nobody_available")
    return (
        *_speak((_message(flow, "connecting", call),), policy),
        *_next_dial(flow, policy, call, now),
    )


def _ring_limits(flow: Flow, policy: LinePolicy) -> tuple[int, int]:
    """(seconds each ring group rings, seconds the whole hunt may take): the flow's, else ours."""
    return (
        flow.routing.ring_timeout_s or policy.ring_timeout_s,
        flow.routing.total_ring_limit_s or policy.total_ring_limit_s,
    )


def _next_dial(flow: Flow, policy: LinePolicy, call: Call, now: datetime) -> Reply:
    """Ring the next group of the snapshot, or go to voicemail when the hunt is over."""
    assert call.hunt_started_at is not None  # noqa: S101  (set by _start_hunt)
    ring_timeout, total_limit = _ring_limits(flow, policy)
    remaining = total_limit - int((now - call.hunt_started_at).total_seconds())
    group = call.dial_index + 1
    if not _group_positions(call, group) or remaining < MIN_RING_S:
        return _voicemail(flow, policy, call, now, "nobody_available")
    call.dial_index = group
    return (_dial(call, group, min(ring_timeout, remaining)),)


def _group_positions(call: Call, group: int) -> list[int]:
    return [i for i, link in enumerate(call.chain) if link.get("group", i) == group]


def _dial(call: Call, group: int, timeout_s: int) -> Dial:
    """Ring every phone of a group, each screened on its own leg."""
    return Dial(
        tuple(
            DialNumber(
                call.chain[position]["number"],
                Hook("screen", {"call": call.call_sid, "idx": position}),
            )
            for position in _group_positions(call, group)
        ),
        Hook("dial", {"idx": group}),
        timeout_s,
        caller_id=call.to_number,
    )


def _voicemail(flow: Flow, policy: LinePolicy, call: Call, now: datetime, key: str) -> Reply:
    call.voicemail_started_at = call.voicemail_started_at or now
    return (
        *_speak((_message(flow, key, call),), policy),
        Record(Hook("recording"), Hook("recording_status"), policy.voicemail_max_length_s),
    )


def current_reply(session: Session, flow: Flow, policy: LinePolicy, call: Call) -> Reply:
    """What the call should hear now; the answer to a redelivered or stale webhook."""
    if call.ended_at is not None:
        return (Hangup(),)
    if call.voicemail_started_at is not None:
        return _voicemail(flow, policy, call, call.voicemail_started_at, "voicemail_intro")
    if call.accepted_index is not None:
        return (Hangup(),)
    if call.dial_index >= 0:
        return (_dial(call, call.dial_index, _ring_limits(flow, policy)[0]),)
    state = _state(call)
    outcome = engine.resume(flow, state)
    if isinstance(outcome, Ask) and outcome.state == state:
        return _ask(call, outcome, policy)
    # The flow changed under the call (a deploy removed its node): move on as the engine says.
    return _act(session, flow, policy, call, outcome, None, call.started_at)


def incoming(
    session: Session, flow: Flow, policy: LinePolicy, params: Mapping[str, str], now: datetime
) -> Reply:
    """A new call rings the line: log it, open the call and greet with the menu."""
    sid = params["CallSid"]
    fresh = record_event(session, sid, "incoming", "incoming", params, now)
    call = find_call(session, sid)
    if call is None:
        # Not flushed yet: the call is inserted once, at commit, already in its first state.
        call = _new_call(sid, params, now)
        session.add(call)
    elif not fresh or call.node_id:
        return current_reply(session, flow, policy, call)
    logger.info("call %s from %s", sid, mask_number(call.from_number))
    call.flow_id, call.flow_version = flow.id, flow.version
    outcome = engine.start(flow)
    return _act(session, flow, policy, call, outcome, None, now)


def gather(
    session: Session,
    flow: Flow,
    policy: LinePolicy,
    params: Mapping[str, str],
    now: datetime,
    step: int,
) -> Reply:
    """The caller answered a menu (or said nothing: no Digits)."""
    sid = params["CallSid"]
    digits = params.get("Digits") or None
    fresh = record_event(session, sid, "gather", f"gather:{step}", params, now)
    call = _call_for(session, sid, params, now)
    if not fresh or step != call.step or not call.node_id:
        return current_reply(session, flow, policy, call)
    call.step += 1
    outcome = engine.advance(flow, _state(call), digits)
    return _act(session, flow, policy, call, outcome, digits, now)


def dial_result(
    session: Session,
    flow: Flow,
    policy: LinePolicy,
    params: Mapping[str, str],
    now: datetime,
    group: int,
) -> Reply:
    """A ring group's dial ended: a volunteer talked with the caller, or nobody accepted."""
    sid = params["CallSid"]
    fresh = record_event(session, sid, "dial", f"dial:{group}", params, now)
    call = _call_for(session, sid, params, now)
    if not fresh or group != call.dial_index or call.voicemail_started_at is not None:
        return current_reply(session, flow, policy, call)
    if call.accepted_index is not None:
        return (*_speak((_message(flow, "goodbye", call),), policy), Hangup())
    logger.info(
        "call %s: ring group %d did not accept (%s)", sid, group, params.get("DialCallStatus")
    )
    return _next_dial(flow, policy, call, now)


def _category_name(session: Session, call: Call, language: str) -> str:
    category = (
        session.scalars(select(Category).where(Category.code == call.category_code)).one_or_none()
        if call.category_code
        else None
    )
    if category is None:
        return "咨询求助" if language == "zh" else "a request for help"
    return category.name_zh if language == "zh" else category.name_en


def screen(
    session: Session,
    flow: Flow,
    policy: LinePolicy,
    params: Mapping[str, str],
    now: datetime,
    parent_sid: str,
    index: int,
) -> Reply:
    """The volunteer picked up: say what the call is about and ask them to press 1."""
    child = params.get("CallSid", "")
    record_event(session, parent_sid, "screen", f"screen:{index}:{child}", params, now)
    call = find_call(session, parent_sid)
    language = flow.default_language
    if call is None or call.ended_at is not None:
        return (Hangup(),)
    prompt = engine.message(
        flow,
        "screening",
        language,
        category=_category_name(session, call, language),
        community=_community_name(session, call, language),
    )
    spoken = _speak((prompt, prompt), policy)
    declined = _speak((engine.message(flow, "screening_declined", language),), policy)
    hook = Hook("screen_result", {"call": parent_sid, "idx": index})
    return (Gather(hook, spoken, 1, SCREEN_TIMEOUT_S), *declined, Hangup())


def _community_name(session: Session, call: Call, language: str) -> str:
    """The caller's community: this call's ticket's, else the one their last ticket was filed
    under (residents call back from the same phone), else the county."""
    community = tickets.caller_community(session, call)
    if community is not None:
        return community.name
    return "辖区" if language == "zh" else "the county"


def screen_result(
    session: Session,
    flow: Flow,
    policy: LinePolicy,
    params: Mapping[str, str],
    now: datetime,
    parent_sid: str,
    index: int,
) -> Reply:
    """The volunteer pressed a key (or not): 1 bridges the call, anything else lets it hunt on."""
    digits = params.get("Digits", "")
    child = params.get("CallSid", "")
    record_event(
        session, parent_sid, "screen_result", f"screen_result:{index}:{child}:{digits}", params, now
    )
    call = find_call(session, parent_sid)
    language = flow.default_language
    declined = _speak((engine.message(flow, "screening_declined", language),), policy)
    if call is None or digits != "1":
        return (*declined, Hangup())
    if call.accepted_index == index:
        return ()
    if (
        call.accepted_index is not None
        or not 0 <= index < len(call.chain)
        or call.chain[index].get("group", index) != call.dial_index
        or call.ended_at is not None
        or call.voicemail_started_at is not None
    ):
        return (*declined, Hangup())
    call.accepted_index = index
    call.answered_by_id = call.chain[index].get("volunteer_id")
    settle(session, policy, call, now)
    logger.info("call %s accepted by volunteer %d", call.call_sid, index)
    # An empty response bridges the volunteer to the caller.
    return ()


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


def _to_enqueue(recording: Recording | None) -> tuple[int, ...]:
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
    call = _call_for(session, sid, params, now)
    call.voicemail_started_at = call.voicemail_started_at or now
    recording = _upsert_recording(session, call, facts) if facts.sid else None
    settle(session, policy, call, now)
    ticket = _open_ticket(session, call, policy, now)
    reply: Reply = (
        *_speak(
            (
                _message(flow, "voicemail_saved", call),
                _ticket_prompt(flow, call, ticket),
                _message(flow, "goodbye", call),
            ),
            policy,
        ),
        Hangup(),
    )
    return CallUpdate(reply, _to_enqueue(recording))


def recording_status(
    session: Session, flow: Flow, policy: LinePolicy, params: Mapping[str, str], now: datetime
) -> CallUpdate:
    """The carrier says a recording is ready, absent or failed (the reply is ignored)."""
    sid = params["CallSid"]
    facts = _recording_facts(params, default_status="completed")
    key = f"recording_status:{facts.sid or '-'}:{facts.status}"
    record_event(session, sid, "recording_status", key, params, now)
    call = _call_for(session, sid, params, now)
    call.voicemail_started_at = call.voicemail_started_at or now
    recording = _upsert_recording(session, call, facts) if facts.sid else None
    settle(session, policy, call, now)
    return CallUpdate((), _to_enqueue(recording))


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
) -> Reply:
    """The carrier reports the call's status; a final one ends the call and settles its ticket
    (the reply is ignored)."""
    sid = params["CallSid"]
    status = params.get("CallStatus", "")
    record_event(session, sid, "status", f"status:{status}", params, now)
    call = _call_for(session, sid, params, now)
    if call.ended_at is not None:
        return ()
    call.carrier_status = status or call.carrier_status
    if status in FINAL_CALL_STATUSES:
        call.ended_at = now
        try:
            call.duration_s = int(params.get("CallDuration") or 0)
        except ValueError:
            call.duration_s = None
        settle(session, policy, call, now)
    return ()


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
    ticket = _open_ticket(session, call, policy, now)
    tickets.settle_source(ticket, call, voicemail)


def _has_final_recording(session: Session, call: Call) -> bool:
    return (
        session.scalars(select(Recording.id).where(Recording.call_id == call.id).limit(1)).first()
        is not None
    )


def error_reply(flow: Flow | None, policy: LinePolicy) -> Reply:
    """What a caller hears when we broke: an apology, then voicemail, so nothing is lost."""
    if flow is None:
        apology: tuple[Verb, ...] = (
            Say(
                "抱歉，系统暂时出现问题，请在提示音后留言，我们会尽快回电。",
                "zh-CN",
                policy.tts_voices.get("zh-CN", ""),
            ),
        )
    else:
        language = flow.default_language
        apology = _speak((engine.message(flow, "error_apology", language),), policy)
    return (
        *apology,
        Record(Hook("recording"), Hook("recording_status"), policy.voicemail_max_length_s),
    )


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
        local = call.started_at.astimezone(ZoneInfo(timezone)).strftime("%m-%d %H:%M")
        body = f"【关爱热线】{local} 有居民来电，但无人值班，已转留言。请尽快安排值班并回电。"
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
