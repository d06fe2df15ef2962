"""What every webhook handler of the line shares: its policy, the event log, the call row, and
the prompts it speaks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from hotline.db import upsert
from hotline.ivr import engine
from hotline.ivr.engine import SpokenPrompt
from hotline.ivr.model import Flow
from hotline.messaging.texts import text
from hotline.models import Call, CallEvent, Ticket
from hotline.settings import Settings
from hotline.tickets.intake import open_for_call
from hotline.verbs import Gather, Hook, Play, Reply, Say


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
    # The hotline's own number: the caller ID of both legs of a call back.
    line_number: str = ""
    # Text the caller the ticket's reference when the call ends.
    caller_sms: bool = False
    # The carrier runs <Number url>: the volunteer is screened and presses 1 to take the call.
    # Without it, each volunteer rings alone and a bridged <Dial> is their answer.
    carrier_screening: bool = True
    unscreened_ring_timeout_s: int = 15

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
            line_number=settings.line_number,
            caller_sms=settings.caller_sms,
            carrier_screening=settings.carrier_screening,
            unscreened_ring_timeout_s=settings.unscreened_ring_timeout_s,
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
    """A reply for the carrier, and what to queue once committed: recordings to download,
    tickets whose caller is texted the reference."""

    reply: Reply
    enqueue_recordings: tuple[int, ...] = ()
    text_callers: tuple[int, ...] = ()


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


def new_call(call_sid: str, params: Mapping[str, str], now: datetime) -> Call:
    """A call row for a webhook's parameters, in its first state (not added to the session)."""
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


def call_for(session: Session, call_sid: str, params: Mapping[str, str], now: datetime) -> Call:
    """The call, created from the webhook's parameters if this is the first we hear of it."""
    call = find_call(session, call_sid)
    if call is None:
        call = new_call(call_sid, params, now)
        session.add(call)
        session.flush()
    return call


def speak(prompts: tuple[SpokenPrompt, ...], policy: LinePolicy) -> tuple[Say | Play, ...]:
    """The verbs that speak `prompts`: a recording where the flow has one, else text to speech."""
    return tuple(
        Play(p.audio_url)
        if p.audio_url
        else Say(p.text, p.say_language, policy.tts_voices.get(p.say_language, ""))
        for p in prompts
    )


def spell_digits(number: str, language: str) -> str:
    """A ticket number read digit by digit: 2026-000123 -> "二 零 二 六，零 零 零 一 二 三"."""
    spoken = dict(zip("0123456789", text("call.spoken_digits", language), strict=True))
    separator = text("call.digit_group_separator", language)
    return separator.join(" ".join(spoken.get(c, c) for c in group) for group in number.split("-"))


def message(flow: Flow, key: str, call: Call, **params: str) -> SpokenPrompt:
    """The flow's message `key` in the call's language."""
    return engine.message(flow, key, call.language, **params)


def spell_slowly(digits: str, language: str) -> str:
    """A short reference read digit by digit, pausing after each: "1234" -> "一，二，三，四"."""
    spoken = dict(zip("0123456789", text("call.spoken_digits", language), strict=True))
    return text("call.slow_digit_separator", language).join(spoken.get(c, c) for c in digits)


def ticket_prompts(flow: Flow, call: Call, ticket: Ticket) -> tuple[SpokenPrompt, ...]:
    """The ticket's short reference, read slowly twice, then how to hear it again. A ticket
    without one (reopened long after, or from before short references) gives its number."""
    language = call.language
    digits = (
        spell_slowly(ticket.ref, language) if ticket.ref else spell_digits(ticket.number, language)
    )
    return (
        message(flow, "ticket_number", call, digits=digits),
        message(flow, "ticket_number_again", call, digits=digits),
        message(flow, "ticket_number_repeat", call),
    )


# Seconds the caller has to press star after hearing the reference, before the call goes on.
REFERENCE_WAIT_S = 3


def reference_gather(
    flow: Flow, policy: LinePolicy, call: Call, ticket: Ticket, then: str
) -> Gather:
    """The reference said inside a Gather: star says it again (the `reference` webhook); any
    other key or silence goes on to the verbs after it (`then` tells the webhook which)."""
    return Gather(
        Hook("reference", {"then": then}),
        speak(ticket_prompts(flow, call, ticket), policy),
        1,
        REFERENCE_WAIT_S,
    )


def open_ticket(session: Session, call: Call, policy: LinePolicy, now: datetime) -> Ticket:
    """The call's ticket, opened now under the line's time zone and SLA if it has none."""
    return open_for_call(
        session, call, now=now, timezone=policy.timezone, sla_hours=policy.sla_hours
    )
