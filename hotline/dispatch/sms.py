"""SMS to the line: technicians work their tickets by reply, residents answer the survey.

`parse` is pure: it reads what a person typed on a phone. Commands (a verb, then the ticket):

    接 1234   / ACCEPT 1234        the ticket goes in progress
    完成 1234 换了水龙头 / DONE 1234 note   resolved, with the note
    退 1234   / DECLINE 1234       back to open, and supervisors are told

The ticket is its short reference, its full number (2026-000123) or the number's sequence
(123). Before reading, the text is NFKC-normalised, so full-width digits and letters (１２３,
ＡＣＣＥＰＴ) and the ideographic space work; case, runs of spaces, a space or none between
verb and number, and "#", ":", "号" or "单" around them do not matter. Typos accepted: Chinese
homophones a pinyin keyboard offers first (街/节 for 接, 玩成/完城/万成 for 完成, 推/腿 for 退), and
in English one letter wrong, missing, extra or two neighbours swapped in ACCEPT and DECLINE
(acept, accpet, decline → delcine ...), and don/doen/dnoe for DONE. A reply of one digit 1-5
(optionally 分/星) is a satisfaction score.

`receive` acts on one message once: each carrier MessageSid is kept with the reply it got
(InboundSms), so a carrier's retry changes nothing again and gets the same answer.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.messaging.texts import text
from hotline.models import InboundSms, Technician, Ticket, TicketStatus
from hotline.phone import mask_number, normalize_number
from hotline.tickets import workflow
from hotline.tickets.lifecycle import OPEN_STATUSES

from .technicians import technician_by_mobile

BODY_CHARS = 1600
REPLY_CHARS = 1600


class Verb(enum.StrEnum):
    """What a technician asks of a ticket."""

    ACCEPT = "accept"
    DONE = "done"
    DECLINE = "decline"


@dataclass(frozen=True)
class Command:
    """A technician's command: the verb, the ticket as typed (digits, or year-sequence), a note."""

    verb: Verb
    ticket: str
    note: str = ""


@dataclass(frozen=True)
class Score:
    """A resident's satisfaction reply, 1-5."""

    score: int


# Verbs as people type them, lower case. Chinese homophones are the pinyin keyboard's usual
# first candidates for the same syllables.
VERBS: dict[str, Verb] = {
    **dict.fromkeys(["接", "接单", "接受", "街", "节", "accept", "acc", "ok"], Verb.ACCEPT),
    **dict.fromkeys(
        ["完成", "完工", "已完成", "修好", "玩成", "完城", "万成", "done", "don", "doen", "dnoe"],
        Verb.DONE,
    ),
    **dict.fromkeys(["退", "退单", "退回", "推", "腿", "decline", "reject"], Verb.DECLINE),
}
# English verbs also matched with one typo (Damerau distance 1): long enough to be unambiguous.
FUZZY = {"accept": Verb.ACCEPT, "decline": Verb.DECLINE}
# Words around the verb and the number that mean nothing ("接单 #1234号", "DONE ticket 1234").
_FILLER = re.compile(r"(工单|单号|第|ticket|no\.?)$")
_DASHES = re.compile(r"[‐‑‒–—―−]")
_COMMAND = re.compile(
    r"(?P<verb>[^\d]+?)[\s#:,.。，：]*(?P<ticket>\d{4}-\d{1,6}|\d+)(?![\d-])\s*[号#]?(?P<rest>.*)",
    re.DOTALL,
)
_SCORE = re.compile(r"([1-5])\s*(分|星|stars?|points?)?[\s.!。！]*", re.IGNORECASE)
_NOTE_TRIM = " \t:：,，.。;；-"


def normalise(body: str) -> str:
    """The message as read: NFKC (full-width to ASCII, ideographic space), dashes as "-",
    whitespace runs as one space, trimmed."""
    folded = _DASHES.sub("-", unicodedata.normalize("NFKC", body))
    return " ".join(folded.split())


def _typo_of(word: str, target: str) -> bool:
    """One letter wrong, missing or extra, or two neighbours swapped."""
    if abs(len(word) - len(target)) > 1 or word == target:
        return word == target
    if len(word) == len(target):
        diff = [i for i, (a, b) in enumerate(zip(word, target, strict=True)) if a != b]
        if len(diff) == 1:
            return True
        i = diff[0]
        return (
            len(diff) == 2
            and diff[1] == i + 1
            and word[i] == target[i + 1]
            and word[i + 1] == target[i]
        )
    short, long = sorted((word, target), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def verb_of(word: str) -> Verb | None:
    """The verb a word means, typos included; None if it is none."""
    word = word.strip().lower()
    while True:
        trimmed = _FILLER.sub("", word).strip(" #:：,，")
        if trimmed == word:
            break
        word = trimmed
    if word in VERBS:
        return VERBS[word]
    if word.isascii() and word.isalpha():
        for target, verb in FUZZY.items():
            if _typo_of(word, target):
                return verb
    return None


def parse(body: str) -> Command | Score | None:
    """What a message asks for; None when it is not a command or a score."""
    message = normalise(body)
    score = _SCORE.fullmatch(message)
    if score:
        return Score(int(score.group(1)))
    match = _COMMAND.fullmatch(message)
    if match is None:
        return None
    verb = verb_of(match.group("verb"))
    if verb is None:
        return None
    note = match.group("rest").strip(_NOTE_TRIM)
    return Command(verb, match.group("ticket"), note)


@dataclass(frozen=True)
class Incoming:
    """One SMS as the carrier delivered it (fields already bounded by the webhook)."""

    message_sid: str
    from_number: str
    body: str


@dataclass(frozen=True)
class Outcome:
    """What the line made of an SMS: the reply to send back, and what the caller does next."""

    reply: str
    outcome: str
    ticket_id: int | None = None
    # A decline's status event: the caller tells supervisors (send_decline) after commit.
    declined_event_id: int | None = None
    replay: bool = False


def receive(session: Session, sms: Incoming, now: datetime) -> Outcome:
    """Act on an SMS once (a repeated MessageSid gets its first reply and changes nothing);
    the caller commits, then sends what the outcome asks for."""
    row_id = _claim(session, sms, now)
    if row_id is None:
        # Kept already (a retry), or the same message arrived concurrently and was kept
        # first: answer as it was.
        stored = session.scalar(select(InboundSms).where(InboundSms.message_sid == sms.message_sid))
        if stored is None:
            return Outcome("", "", replay=True)
        return Outcome(stored.reply, stored.outcome, stored.ticket_id, replay=True)
    outcome = _decide(session, sms, now)
    session.execute(
        update(InboundSms)
        .where(InboundSms.id == row_id)
        .values(
            outcome=outcome.outcome,
            reply=outcome.reply[:REPLY_CHARS],
            ticket_id=outcome.ticket_id,
        )
    )
    return outcome


def _claim(session: Session, sms: Incoming, now: datetime) -> int | None:
    """Keep the message by its SID: the new row's id, or None if the SID is kept already.

    One INSERT ... ON CONFLICT DO NOTHING (PostgreSQL and SQLite) instead of a look-up, a
    savepoint, the insert and its release: the webhook's round trips are most of its time. A
    concurrent insert of the same SID waits for the first to commit, then does nothing."""
    values = {
        "message_sid": sms.message_sid,
        "from_number": sms.from_number[:32],
        "body": sms.body[:BODY_CHARS],
        "received_at": now,
        "outcome": "",
        "reply": "",
    }
    dialect = session.get_bind().dialect.name
    insert: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        insert = postgresql.insert(InboundSms).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        insert = sqlite.insert(InboundSms).values(values).on_conflict_do_nothing()
    else:  # pragma: no cover - the line runs on PostgreSQL or SQLite
        if session.scalar(select(InboundSms.id).where(InboundSms.message_sid == sms.message_sid)):
            return None
        try:
            with session.begin_nested():
                row = InboundSms(**values)
                session.add(row)
        except IntegrityError:
            return None
        return row.id
    return session.scalar(insert.returning(InboundSms.id))


def _numbers(raw: str) -> list[str]:
    """The sender's number as it may be stored: as sent, and normalised."""
    normal = normalize_number(raw)
    return list(dict.fromkeys([raw, normal] if normal else [raw]))


def awaiting_score(session: Session, from_number: str) -> Ticket | None:
    """The sender's ticket that was asked for a score and has none yet (the latest asked)."""
    return session.scalar(
        select(Ticket)
        .where(
            Ticket.caller_number.in_(_numbers(from_number)),
            Ticket.survey_sent_at.is_not(None),
            Ticket.satisfaction.is_(None),
        )
        .order_by(Ticket.survey_sent_at.desc(), Ticket.id.desc())
        .limit(1)
    )


def _decide(session: Session, sms: Incoming, now: datetime) -> Outcome:
    parsed = parse(sms.body)
    if isinstance(parsed, Score):
        return _rate(session, sms, parsed.score, now)
    technician = technician_by_mobile(session, sms.from_number)
    if isinstance(parsed, Command):
        if technician is None:
            return Outcome(text("sms.reply_not_technician"), "refused")
        return _command(session, technician, parsed, sms.body, now)
    if technician is not None:
        return Outcome(text("sms.reply_help"), "unknown")
    if awaiting_score(session, sms.from_number) is not None:
        return Outcome(text("sms.reply_score_help"), "unknown")
    return Outcome(text("sms.reply_resident_help"), "unknown")


def _rate(session: Session, sms: Incoming, score: int, now: datetime) -> Outcome:
    ticket = awaiting_score(session, sms.from_number)
    if ticket is None:
        return Outcome(text("sms.reply_resident_help"), "unknown")
    resident = workflow.Actor(f"resident {mask_number(sms.from_number)}")
    try:
        workflow.rate(session, ticket, score, resident, now)
    except workflow.TicketError:
        return Outcome(text("sms.reply_resident_help"), "refused", ticket.id)
    key = "sms.reply_rated_low" if score in workflow.LOW_SCORES else "sms.reply_rated"
    return Outcome(text(key, score=score), "rated", ticket.id)


def find_for(
    session: Session, technician: Technician, typed: str, now: datetime
) -> tuple[Ticket | None, bool]:
    """The ticket a technician means by `typed`, and whether it is assigned to them.

    A short reference names an open ticket (or one of the technician's own); a full number one
    ticket; a bare sequence a ticket of this year or last. Where the digits match several, the
    technician's own come first, then a reference before a sequence, then the latest."""
    if "-" in typed:
        year, _, seq = typed.partition("-")
        where = and_(Ticket.year == int(year), Ticket.seq == int(seq))
    elif len(typed) > 9:
        return None, False
    else:
        where = or_(
            # A reference is unique among open tickets; a closed one may still be the
            # technician's own (a late "done"). Each alternative whole, so each is answered
            # from an index (ix_ticket_ref_status, uq_ticket_year) without reading every
            # ticket that ever had the reference.
            and_(Ticket.ref == typed, Ticket.status.in_(OPEN_STATUSES)),
            and_(Ticket.ref == typed, Ticket.technician_id == technician.id),
            and_(Ticket.year.in_([now.year, now.year - 1]), Ticket.seq == int(typed)),
        )
    found = session.scalars(select(Ticket).where(where).limit(20)).all()
    if not found:
        return None, False

    def rank(ticket: Ticket) -> tuple[bool, bool, bool, int]:
        return (
            ticket.technician_id == technician.id,
            ticket.ref == typed and ticket.status in OPEN_STATUSES,
            ticket.ref == typed,
            ticket.id,
        )

    best = max(found, key=rank)
    return best, best.technician_id == technician.id


def _command(
    session: Session, technician: Technician, command: Command, body: str, now: datetime
) -> Outcome:
    ticket, mine = find_for(session, technician, command.ticket, now)
    if ticket is None:
        return Outcome(text("sms.reply_unknown_ticket", ticket=command.ticket), "unknown_ticket")
    if not mine:
        return Outcome(text("sms.reply_not_yours", ticket=command.ticket), "refused", ticket.id)
    ref = ticket.ref or ticket.number
    done = {
        Verb.ACCEPT: ("sms.reply_accepted", "accepted"),
        Verb.DONE: ("sms.reply_done", "done"),
        Verb.DECLINE: ("sms.reply_declined", "declined"),
    }[command.verb]
    # Sent again (a new message, not a carrier retry): the ticket is already there.
    already = {Verb.ACCEPT: TicketStatus.IN_PROGRESS, Verb.DONE: TicketStatus.RESOLVED}
    if already.get(command.verb) is ticket.status:
        return Outcome(text(done[0], ref=ref), "repeated", ticket.id)
    if ticket.status not in OPEN_STATUSES:
        return Outcome(text("sms.reply_closed", ref=ref), "refused", ticket.id)
    actor = workflow.Actor(technician.name)
    try:
        if command.verb is Verb.ACCEPT:
            workflow.change_status(session, ticket, TicketStatus.IN_PROGRESS, actor, now)
            return Outcome(text(done[0], ref=ref), done[1], ticket.id)
        if command.verb is Verb.DONE:
            # The note says what was done; without one, the message itself is the record.
            note = command.note or normalise(body)
            workflow.change_status(session, ticket, TicketStatus.RESOLVED, actor, now, note=note)
            return Outcome(text(done[0], ref=ref), done[1], ticket.id)
        event = workflow.change_status(
            session, ticket, TicketStatus.OPEN, actor, now, note=command.note
        )
    except workflow.TicketError:
        return Outcome(text("sms.reply_closed", ref=ref), "refused", ticket.id)
    return Outcome(text(done[0], ref=ref), done[1], ticket.id, declined_event_id=event.id)
