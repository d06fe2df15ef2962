"""A call from ring to ticket: IVR navigation, forwarding to the rota, voicemail."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.calls.enquiry import ticket_lookup
from hotline.calls.line import (
    LinePolicy,
    call_for,
    find_call,
    message,
    new_call,
    open_ticket,
    record_event,
    reference_gather,
    speak,
)
from hotline.calls.screening import accept
from hotline.ivr import engine
from hotline.ivr.engine import Ask, Connect, End, IvrState, Outcome, TakeMessage
from hotline.ivr.model import Flow
from hotline.messaging.texts import text
from hotline.models import Call
from hotline.phone import mask_number
from hotline.rota.duty import on_duty
from hotline.tickets.intake import ticket_for_call
from hotline.verbs import Dial, DialNumber, Gather, Hangup, Hook, Record, Redirect, Reply, Say, Verb

logger = logging.getLogger(__name__)

# Below this many seconds left of the total ring limit, ringing another phone is pointless.
MIN_RING_S = 5

# A <Dial> action's DialCallStatus when the phone was picked up and bridged to the caller.
BRIDGED = frozenset({"completed", "answered"})


def _state(call: Call) -> IvrState:
    return IvrState(call.node_id, call.language, call.attempts, call.category_code)


def _enter_node(
    call: Call, state: IvrState, digits: str | None, now: datetime, found: Sequence[str]
) -> None:
    """Store the engine's new state and extend the call's IVR path (node reached, key pressed,
    and the tickets whose status the caller was told on the way)."""
    step: dict[str, Any] = {"node": state.node_id, "input": digits, "at": now.isoformat()}
    if found:
        step["found"] = list(found)
    call.path = [*call.path, step]
    call.node_id = state.node_id
    call.language = state.language
    call.attempts = state.attempts
    call.category_code = state.category or call.category_code


def _ask(call: Call, outcome: Ask, policy: LinePolicy) -> Reply:
    hook = Hook("gather", {"step": call.step})
    return (
        Gather(hook, speak(outcome.prompts, policy), outcome.num_digits, outcome.timeout_s),
        # No input: the carrier falls through the Gather to this redirect, without Digits.
        Redirect(hook),
    )


def _act(
    session: Session,
    flow: Flow,
    policy: LinePolicy,
    call: Call,
    outcome: Outcome,
    digits: str | None,
    now: datetime,
    found: Sequence[str] = (),
) -> Reply:
    """Carry out what the IVR engine decided."""
    _enter_node(call, outcome.state, digits, now, found)
    if isinstance(outcome, Ask):
        return _ask(call, outcome, policy)
    if isinstance(outcome, End):
        return (*speak(outcome.prompts, policy), Hangup())
    ticket = open_ticket(session, call, policy, now)
    told = (*speak(outcome.prompts, policy), reference_gather(flow, policy, call, ticket, "go"))
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
    fallback number rings last, on its own. Without screening every phone rings alone: the
    carrier's <Dial> action does not say which phone picked up, only that one did.
    """
    size = flow.routing.group_size if policy.carrier_screening else 1
    chain: list[dict[str, Any]] = [
        {
            "volunteer_id": d.volunteer_id,
            "name": d.name,
            "number": d.number,
            "layer": d.layer,
            "group": position // size,
        }
        for position, d in enumerate(on_duty(session, now))
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
        *speak((message(flow, "connecting", call),), policy),
        *_next_dial(flow, policy, call, now),
    )


def _ring_limits(flow: Flow, policy: LinePolicy) -> tuple[int, int]:
    """(seconds each ring group rings, seconds the whole hunt may take): the flow's, else ours.

    Without screening a phone rings at most `unscreened_ring_timeout_s`, so that the caller moves
    on before a volunteer's personal voicemail picks up (and, bridged, would take the call).
    """
    ring_timeout = flow.routing.ring_timeout_s or policy.ring_timeout_s
    if not policy.carrier_screening:
        ring_timeout = min(ring_timeout, policy.unscreened_ring_timeout_s)
    return ring_timeout, flow.routing.total_ring_limit_s or policy.total_ring_limit_s


def _next_dial(flow: Flow, policy: LinePolicy, call: Call, now: datetime) -> Reply:
    """Ring the next group of the snapshot, or go to voicemail when the hunt is over."""
    assert call.hunt_started_at is not None  # noqa: S101  (set by _start_hunt)
    ring_timeout, total_limit = _ring_limits(flow, policy)
    remaining = total_limit - int((now - call.hunt_started_at).total_seconds())
    group = call.dial_index + 1
    if not group_positions(call, group) or remaining < MIN_RING_S:
        return _voicemail(flow, policy, call, now, "nobody_available")
    call.dial_index = group
    return (_dial(policy, call, group, min(ring_timeout, remaining)),)


def group_positions(call: Call, group: int) -> list[int]:
    """The positions in the call's chain of the phones of ring group `group`."""
    return [i for i, link in enumerate(call.chain) if link.get("group", i) == group]


def _dial(policy: LinePolicy, call: Call, group: int, timeout_s: int) -> Dial:
    """Ring every phone of a group, each screened on its own leg where the carrier screens."""
    return Dial(
        tuple(
            DialNumber(
                call.chain[position]["number"],
                Hook("screen", {"call": call.call_sid, "idx": position})
                if policy.carrier_screening
                else None,
            )
            for position in group_positions(call, group)
        ),
        Hook("dial", {"idx": group}),
        timeout_s,
        caller_id=call.to_number,
    )


def _voicemail(flow: Flow, policy: LinePolicy, call: Call, now: datetime, key: str) -> Reply:
    call.voicemail_started_at = call.voicemail_started_at or now
    return (
        *speak((message(flow, key, call),), policy),
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
        return (_dial(policy, call, call.dial_index, _ring_limits(flow, policy)[0]),)
    state = _state(call)
    lookup = ticket_lookup(session, call.from_number)
    outcome = engine.resume(flow, state, lookup)
    if isinstance(outcome, Ask) and outcome.state == state:
        return _ask(call, outcome, policy)
    # The flow changed under the call (a deploy removed its node): move on as the engine says.
    return _act(session, flow, policy, call, outcome, None, call.started_at, lookup.found)


def incoming(
    session: Session, flow: Flow, policy: LinePolicy, params: Mapping[str, str], now: datetime
) -> Reply:
    """A new call rings the line: log it, open the call and greet with the menu."""
    sid = params["CallSid"]
    fresh = record_event(session, sid, "incoming", "incoming", params, now)
    call = find_call(session, sid)
    if call is None:
        # Not flushed yet: the call is inserted once, at commit, already in its first state.
        call = new_call(sid, params, now)
        session.add(call)
    elif not fresh or call.node_id:
        return current_reply(session, flow, policy, call)
    logger.info("call %s from %s", sid, mask_number(call.from_number))
    call.flow_id, call.flow_version = flow.id, flow.version
    lookup = ticket_lookup(session, call.from_number)
    outcome = engine.start(flow, lookup=lookup)
    return _act(session, flow, policy, call, outcome, None, now, lookup.found)


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
    call = call_for(session, sid, params, now)
    if not fresh or step != call.step or not call.node_id:
        return current_reply(session, flow, policy, call)
    call.step += 1
    lookup = ticket_lookup(session, call.from_number)
    outcome = engine.advance(flow, _state(call), digits, lookup)
    return _act(session, flow, policy, call, outcome, digits, now, lookup.found)


def dial_result(
    session: Session,
    flow: Flow,
    policy: LinePolicy,
    params: Mapping[str, str],
    now: datetime,
    group: int,
) -> Reply:
    """A ring group's dial ended: a volunteer talked with the caller, or nobody accepted.

    Without screening, a bridged dial is the answer: the volunteer rung (alone) took the call.
    """
    sid = params["CallSid"]
    fresh = record_event(session, sid, "dial", f"dial:{group}", params, now)
    call = call_for(session, sid, params, now)
    if not fresh or group != call.dial_index or call.voicemail_started_at is not None:
        return current_reply(session, flow, policy, call)
    positions = group_positions(call, group)
    if (
        not policy.carrier_screening
        and call.accepted_index is None
        and positions
        and params.get("DialCallStatus") in BRIDGED
    ):
        accept(session, policy, call, positions[0], now)
    if call.accepted_index is not None:
        return (*speak((message(flow, "goodbye", call),), policy), Hangup())
    logger.info(
        "call %s: ring group %d did not accept (%s)", sid, group, params.get("DialCallStatus")
    )
    return _next_dial(flow, policy, call, now)


def error_reply(flow: Flow | None, policy: LinePolicy) -> Reply:
    """What a caller hears when we broke: an apology, then voicemail, so nothing is lost."""
    if flow is None:
        apology: tuple[Verb, ...] = (
            Say(text("call.apology_without_flow"), "zh-CN", policy.tts_voices.get("zh-CN", "")),
        )
    else:
        language = flow.default_language
        apology = speak((engine.message(flow, "error_apology", language),), policy)
    return (
        *apology,
        Record(Hook("recording"), Hook("recording_status"), policy.voicemail_max_length_s),
    )


def reference(
    session: Session,
    flow: Flow,
    policy: LinePolicy,
    params: Mapping[str, str],
    now: datetime,
    then: str,
) -> Reply:
    """The caller pressed a key while hearing the ticket's reference: star says it again; then
    the call goes on where it was (`then`: "go" to the hunt or voicemail, "bye" to hang up)."""
    sid = params["CallSid"]
    digits = params.get("Digits", "")
    record_event(session, sid, "reference", f"reference:{then}:{now.isoformat()}", params, now)
    call = find_call(session, sid)
    if call is None:
        return (Hangup(),)
    ticket = ticket_for_call(session, call)
    again = (
        (reference_gather(flow, policy, call, ticket, then),)
        if digits == "*" and ticket is not None and call.ended_at is None
        else ()
    )
    if then == "bye":
        return (*again, *speak((message(flow, "goodbye", call),), policy), Hangup())
    return (*again, *current_reply(session, flow, policy, call))
