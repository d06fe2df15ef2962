"""Screening: the volunteer who picks up hears what the call is about and presses 1 to take it
(`accept`, which also takes an unscreened volunteer's bridged call)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.calls.line import LinePolicy, find_call, record_event, speak
from hotline.calls.outcome import settle
from hotline.ivr import engine
from hotline.ivr.model import Flow
from hotline.messaging.texts import text
from hotline.models import Call, Category
from hotline.tickets.intake import caller_community
from hotline.verbs import Gather, Hangup, Hook, Reply

logger = logging.getLogger(__name__)

SCREEN_TIMEOUT_S = 8


def _category_name(session: Session, call: Call, language: str) -> str:
    category = (
        session.scalars(select(Category).where(Category.code == call.category_code)).one_or_none()
        if call.category_code
        else None
    )
    if category is None:
        return text("screening.category_unknown", language)
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
    spoken = speak((prompt, prompt), policy)
    declined = speak((engine.message(flow, "screening_declined", language),), policy)
    hook = Hook("screen_result", {"call": parent_sid, "idx": index})
    return (Gather(hook, spoken, 1, SCREEN_TIMEOUT_S), *declined, Hangup())


def _community_name(session: Session, call: Call, language: str) -> str:
    """The caller's community: this call's ticket's, else the one their last ticket was filed
    under (residents call back from the same phone), else the county."""
    community = caller_community(session, call)
    if community is not None:
        return community.name
    return text("screening.community_unknown", language)


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
    declined = speak((engine.message(flow, "screening_declined", language),), policy)
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
    accept(session, policy, call, index, now)
    # An empty response bridges the volunteer to the caller.
    return ()


def accept(session: Session, policy: LinePolicy, call: Call, index: int, now: datetime) -> None:
    """The volunteer at `index` of the chain took the call: the call is answered, by them."""
    call.accepted_index = index
    call.answered_by_id = call.chain[index].get("volunteer_id")
    settle(session, policy, call, now)
    logger.info("call %s accepted by volunteer %d", call.call_sid, index)
