"""The satisfaction question by phone, where configured (HOTLINE_SURVEY_CALL): some minutes
after a ticket is resolved the line calls its caller once and asks for a key 1-5; the score
goes to workflow.rate like an SMS reply (1 or 2 reopens the ticket for review).

A ticket is asked once, by phone or by SMS: both claim `survey_sent_at` with a conditional
UPDATE, so whichever sweep reaches a ticket first asks it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.calls.callback import CreateCall
from hotline.calls.line import LinePolicy, record_event, spell_slowly
from hotline.messaging.texts import text
from hotline.models import EventKind, Ticket, TicketStatus
from hotline.phone import mask_number, normalize_number
from hotline.telephony import TelephonyError
from hotline.tickets.workflow import SYSTEM, Actor, TicketError, rate, record
from hotline.verbs import Gather, Hangup, Hook, Reply, Say

logger = logging.getLogger(__name__)

# Resolved longer ago than this: not asked (a sweep down for days must not call about a visit
# the resident has forgotten); as the SMS survey.
MAX_AGE = timedelta(days=3)
BATCH = 50
# Seconds the resident has to press a key, and how many times the question is asked.
ANSWER_WAIT_S = 8
MAX_ASKS = 2
RESIDENT = Actor("resident (phone survey)")


def call_surveys(
    session: Session,
    now: datetime,
    *,
    create_call: CreateCall,
    hook_url: Callable[[Hook], str],
    line_number: str,
    delay: timedelta,
    commit: Callable[[], None],
) -> int:
    """Call the caller of each ticket resolved at least `delay` ago, once per ticket; returns
    how many calls the carrier accepted. Each claim is committed before the carrier is asked."""
    if not line_number:
        return 0
    due = session.scalars(
        select(Ticket)
        .where(
            Ticket.status == TicketStatus.RESOLVED,
            Ticket.resolved_at <= now - delay,
            Ticket.resolved_at >= now - MAX_AGE,
            Ticket.survey_sent_at.is_(None),
            Ticket.satisfaction.is_(None),
            Ticket.caller_number != "",
        )
        .order_by(Ticket.resolved_at, Ticket.id)
        .limit(BATCH)
    ).all()
    placed = 0
    for ticket in due:
        number = normalize_number(ticket.caller_number)
        if number is None:
            continue
        claimed = session.execute(
            update(Ticket)
            .where(
                Ticket.id == ticket.id,
                Ticket.survey_sent_at.is_(None),
                Ticket.status == TicketStatus.RESOLVED,
            )
            .values(survey_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        ticket.survey_sent_at = now
        record(
            session,
            ticket,
            EventKind.CALLBACK,
            SYSTEM,
            now,
            field="survey",
            note="satisfaction question by phone",
        )
        ticket_id = ticket.id
        commit()
        try:
            create_call(
                number,
                line_number,
                hook_url(Hook("survey", {"ticket": ticket_id})),
                hook_url(Hook("survey_status", {"ticket": ticket_id})),
            )
        except TelephonyError as exc:
            logger.warning(
                "survey call for ticket %s to %s failed: %s", ticket_id, mask_number(number), exc
            )
            continue
        placed += 1
    return placed


def _say(policy: LinePolicy, key: str, **params: str) -> Say:
    return Say(text(key, "zh", **params), "zh-CN", policy.tts_voices.get("zh-CN", ""))


def _question(policy: LinePolicy, ticket: Ticket, asked: int) -> Reply:
    """The question in a Gather; silence asks once more, then thanks and hangs up."""
    ref = spell_slowly(ticket.ref or "", "zh") if ticket.ref else ticket.number
    hook = Hook("survey_result", {"ticket": ticket.id, "asked": asked})
    return (
        Gather(hook, (_say(policy, "survey.call_question", ref=ref),), 1, ANSWER_WAIT_S),
        *(
            (_say(policy, "survey.call_no_answer"), Hangup())
            if asked >= MAX_ASKS
            else _question(policy, ticket, asked + 1)
        ),
    )


def _asked_ticket(session: Session, ticket_id: int) -> Ticket | None:
    """The ticket a survey call is about, if it was asked and not rated yet."""
    ticket = session.get(Ticket, ticket_id) if ticket_id >= 0 else None
    if ticket is None or ticket.survey_sent_at is None or ticket.satisfaction is not None:
        return None
    return ticket


def survey_answered(
    session: Session, policy: LinePolicy, params: Mapping[str, str], now: datetime, ticket_id: int
) -> Reply:
    """The resident picked up: ask the one question."""
    sid = params.get("CallSid", "")
    record_event(session, sid, "survey", f"survey:{ticket_id}:answer", params, now)
    ticket = _asked_ticket(session, ticket_id)
    if ticket is None:
        return (Hangup(),)
    return _question(policy, ticket, 1)


def survey_result(
    session: Session,
    policy: LinePolicy,
    params: Mapping[str, str],
    now: datetime,
    ticket_id: int,
    asked: int,
) -> Reply:
    """The resident pressed a key: 1-5 rates the ticket; any other key asks again (once)."""
    sid = params.get("CallSid", "")
    digits = params.get("Digits", "").strip()
    record_event(session, sid, "survey_result", f"survey:{ticket_id}:{asked}:{digits}", params, now)
    ticket = _asked_ticket(session, ticket_id)
    if ticket is None:
        return (_say(policy, "survey.call_thanks"), Hangup())
    if len(digits) == 1 and digits in "12345":
        try:
            rate(session, ticket, int(digits), RESIDENT, now)
        except TicketError:
            logger.info("ticket %s: survey score %s refused", ticket.number, digits)
        return (_say(policy, "survey.call_thanks"), Hangup())
    if asked >= MAX_ASKS:
        return (_say(policy, "survey.call_no_answer"), Hangup())
    return (_say(policy, "survey.call_invalid"), *_question(policy, ticket, asked + 1))


def survey_status(
    session: Session, policy: LinePolicy, params: Mapping[str, str], now: datetime, ticket_id: int
) -> Reply:
    """The carrier's status of a survey call: one never answered is noted on the ticket (the
    question is not asked again)."""
    sid = params.get("CallSid", "")
    status = params.get("CallStatus", "")
    record_event(session, sid, "survey_status", f"survey:{ticket_id}:status:{status}", params, now)
    ticket = session.get(Ticket, ticket_id) if ticket_id >= 0 else None
    if ticket is not None and status in {"busy", "no-answer", "failed", "canceled"}:
        record(
            session,
            ticket,
            EventKind.CALLBACK,
            SYSTEM,
            now,
            field="survey",
            note=f"satisfaction call not answered ({status})",
        )
    return ()
