"""Put a transcript's triage on its recording and ticket. The caller owns the transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.messaging import texts
from hotline.models import Category, EventKind, Priority, Recording, Ticket
from hotline.tickets import clock, workflow
from hotline.tickets.lifecycle import OPEN_STATUSES
from hotline.triage.rules import RULES_PATH, Match, Rules, RulesError, classify, load_rules

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Triage:
    """What `apply` found: the match (None if none) and whether an alert is now due."""

    match: Match | None
    escalate: bool


def known_categories(session: Session) -> set[str]:
    """Category codes a rule may name: the category table's, retired ones too (`triage
    check` holds the rules to them)."""
    return set(session.scalars(select(Category.code)))


def rules_for() -> Rules:
    """The shipped rules. Their category codes are not held to the table here: a rule whose
    category is missing or retired still sets the priority and escalates, it only sets no
    category (`triage check` reports it)."""
    return load_rules(RULES_PATH)


def apply(
    session: Session,
    recording: Recording,
    text: str,
    now: datetime,
    *,
    rules: Rules | None = None,
    actor: workflow.Actor = workflow.SYSTEM,
) -> Triage:
    """Triage `text`, the recording's new or corrected transcript: the recording keeps the
    match (or none), and an open ticket gets the suggestion once per new result: its category
    if it has none, urgent priority for an urgent match, an event with the phrase as the
    reason. Broken rules are logged and triage nothing: the transcript still counts."""
    if rules is None:
        try:
            rules = rules_for()
        except RulesError as exc:
            logger.error("triage rules unusable, recording %s not triaged: %s", recording.id, exc)
            return Triage(None, False)
    match = classify(text, rules)
    before = (
        recording.triage_priority,
        recording.triage_category,
        recording.triage_phrase,
        recording.triage_escalate,
    )
    after = (
        (match.priority, match.category, match.phrase, match.escalate)
        if match is not None
        else (None, None, None, False)
    )
    (
        recording.triage_priority,
        recording.triage_category,
        recording.triage_phrase,
        recording.triage_escalate,
    ) = after
    if match is not None and after != before:
        ticket = session.scalars(select(Ticket).where(Ticket.recording_id == recording.id)).first()
        if ticket is not None and ticket.status in OPEN_STATUSES:
            _suggest(session, ticket, match, actor, now)
    session.flush()
    return Triage(match, match is not None and match.escalate and recording.escalated_at is None)


def reason_text(match: Match) -> str:
    """The reason as the ticket shows it: the rule's reason and the phrase heard."""
    return texts.text("ticket.triage_reason", reason=match.rule.reason, phrase=match.phrase)


def _suggest(
    session: Session, ticket: Ticket, match: Match, actor: workflow.Actor, now: datetime
) -> None:
    note = reason_text(match)
    changed = False
    if ticket.category_id is None and match.category is not None:
        category = session.scalars(select(Category).where(Category.code == match.category)).first()
        if category is not None and category.active:
            workflow.record(
                session,
                ticket,
                EventKind.FIELD,
                actor,
                now,
                field="category",
                to_value=category.code,
                note=note,
            )
            ticket.category = category
            ticket.category_id = category.id
            changed = True
    if match.rule.urgent and ticket.priority is not Priority.URGENT:
        workflow.record(
            session,
            ticket,
            EventKind.FIELD,
            actor,
            now,
            field="priority",
            from_value=ticket.priority.value,
            to_value=Priority.URGENT.value,
            note=note,
        )
        ticket.priority = Priority.URGENT
        changed = True
    if changed and ticket.category is not None:
        # The promise follows the category (and its urgent hours); without a category the
        # line's default hours apply whatever the priority, so the due time stays.
        ticket.due_at = clock.due_at(ticket.created_at, ticket.category, ticket.priority, 0)
    if not changed:
        workflow.record(session, ticket, EventKind.NOTE, actor, now, note=note)
