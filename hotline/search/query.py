"""Search in Chinese over transcripts, ticket summaries and ticket notes.

A query is split on spaces into terms (Chinese needs none: 水管漏水 is one term); a hit holds
every term as a substring, case-insensitively. Terms of three characters or more are answered
by the trigram indexes (hotline.search.schema). One or two characters have no trigram, so a
query made only of such terms scans the text itself, and only over a window of
SHORT_WINDOW_DAYS days (ending at the filter's end date, or today): bounded work, whatever the
size of the archive. The result says when that window applied.

Hits are the newest tickets first (by when the call came in), at most one per source text:
the current transcript of a voicemail (earlier versions, a correction's machine text for one,
only when asked for), each note, and a summary where it is not just the transcript's start.
Counting stops at MAX_COUNTED: past that the page says "more than".
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy import column as column_clause
from sqlalchemy import table as table_clause
from sqlalchemy.orm import Session, selectinload

from hotline.models import (
    Call,
    Priority,
    Recording,
    Ticket,
    TicketEvent,
    TicketStatus,
    Transcript,
)
from hotline.review import Scope
from hotline.search.schema import fts_table
from hotline.search.snippet import Piece, snippet

MAX_QUERY_CHARS = 100
MAX_TERMS = 5
# The shortest term a trigram index can answer.
INDEXED_CHARS = 3
SHORT_WINDOW_DAYS = 90
MAX_COUNTED = 1000
PER_PAGE = 20
# A short query's notes are read by their own date when its window started at most this many
# days ago (at most this many days of notes read); otherwise through the window's tickets.
RECENT_NOTES_DAYS = 2 * SHORT_WINDOW_DAYS
# (kind, source_id, ticket_id, at): one kind of text that matched.
Branch = Select[str, int, int, datetime]
# Past this many candidates in a column a word is common (0.05% of a million): see _Matcher.
COMMON = 500
# Triage's word for an urgent voicemail (Recording.triage_priority), as on tickets.
URGENT = Priority.URGENT.value


class HitKind(enum.StrEnum):
    """Which text of a ticket matched."""

    TRANSCRIPT = "transcript"  # the voicemail's current transcript
    EARLIER = "earlier"  # an earlier version of it (replaced by a correction or a rerun)
    SUMMARY = "summary"  # the ticket's summary (when it is not the transcript's start)
    NOTE = "note"  # a note on the ticket's timeline


@dataclass(frozen=True)
class SearchFilter:
    """What narrows a search besides its words; None (or False) leaves a filter off."""

    date_from: date | None = None
    date_to: date | None = None
    community_id: int | None = None
    category_id: int | None = None
    status: TicketStatus | None = None
    # Urgent tickets, or voicemails that triage found urgent.
    urgent: bool = False
    # True: voicemails marked reviewed; False: voicemails not reviewed yet.
    reviewed: bool | None = None
    # Also search transcripts that have been replaced (by a correction or a rerun).
    history: bool = False


@dataclass(frozen=True)
class Hit:
    """One matching text: its ticket, what it is, and a snippet around the match."""

    kind: HitKind
    ticket: Ticket
    pieces: list[Piece]


@dataclass(frozen=True)
class Results:
    """One page of hits, numbered from 1; `total` stops counting at MAX_COUNTED."""

    terms: list[str]
    hits: list[Hit] = field(default_factory=list)
    number: int = 1
    per_page: int = PER_PAGE
    total: int = 0
    # The window a query of only one- and two-character terms was limited to.
    window: tuple[date, date] | None = None

    @property
    def items(self) -> list[Hit]:
        """The hits (the name the shared pagination macro reads)."""
        return self.hits

    @property
    def capped(self) -> bool:
        """Whether there are more hits than were counted."""
        return self.total > MAX_COUNTED

    @property
    def pages(self) -> int:
        """Pages of the counted hits (at least one)."""
        return max(1, math.ceil(min(self.total, MAX_COUNTED) / self.per_page))

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.number < self.pages


def terms_of(query: str) -> list[str]:
    """The distinct terms of a query, in order: split on spaces, at most MAX_TERMS."""
    terms: list[str] = []
    for term in query[:MAX_QUERY_CHARS].split():
        if term.casefold() not in (t.casefold() for t in terms):
            terms.append(term)
    return terms[:MAX_TERMS]


def search(
    session: Session,
    scope: Scope,
    query: str,
    criteria: SearchFilter,
    timezone: str,
    today: date,
    number: int = 1,
    per_page: int = PER_PAGE,
) -> Results:
    """Page `number` of what `scope` may see matching `query` and `criteria` (the last page
    if `number` is past it). `today` is the local date a short query's window ends on."""
    terms = terms_of(query)
    if not terms:
        return Results(terms=terms, per_page=per_page)
    window = None
    if all(len(term) < INDEXED_CHARS for term in terms):
        end = criteria.date_to or today
        start = end - timedelta(days=SHORT_WINDOW_DAYS - 1)
        if criteria.date_from is not None and criteria.date_from > start:
            start = criteria.date_from
        window = (start, end)
    # A recent window's notes are found among the notes written since it started; an older
    # window's through its tickets (see _branches).
    since = None
    if window is not None and (today - window[0]).days < RECENT_NOTES_DAYS:
        since = _local_midnight(window[0], timezone)
    # Counting reads every hit up to MAX_COUNTED, in any order: the planner chooses between
    # the trigram index and a scan that stops early. One kind at a time: alone, each is
    # planned like a single table's query; in a union PostgreSQL read a common word's whole
    # trigram index first. Each kind is counted to at least COMMON, so the page knows which
    # kinds are common under these filters (see _Matcher).
    counting = [
        _narrow(branch, scope, criteria, timezone, window)
        for branch in _branches(
            _Matcher(session, terms, counting=True), criteria.history, window, since
        )
    ]
    counts: list[int] = []
    for branch in counting:
        limit = max(MAX_COUNTED + 1 - sum(counts), COMMON)
        counted = branch.limit(limit).subquery("counted")
        counts.append(session.scalar(select(func.count()).select_from(counted)) or 0)
    total = min(sum(counts), MAX_COUNTED + 1)
    paging = [
        _narrow(branch, scope, criteria, timezone, window)
        for branch in _branches(
            _Matcher(session, terms, counts=counts), criteria.history, window, since
        )
    ]
    results = Results(terms=terms, per_page=per_page, total=total or 0, window=window)
    number = min(max(number, 1), results.pages)
    # Each kind's own newest `wanted` first, then the page from their union: the database can
    # walk each kind's rows newest first and stop, where sorting the union reads them all.
    wanted = number * per_page
    limited = [
        branch.order_by(*_newest_first(branch.selected_columns)).limit(wanted).subquery()
        for branch in paging
    ]
    hits = union_all(*(select(*newest.c) for newest in limited)).subquery("hits")
    rows = session.execute(
        select(hits.c.kind, hits.c.source_id, hits.c.ticket_id)
        .order_by(*_newest_first(hits.c))
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    return Results(
        terms=terms,
        hits=_load(session, [(HitKind(r.kind), r.source_id, r.ticket_id) for r in rows], terms),
        number=number,
        per_page=per_page,
        total=results.total,
        window=window,
    )


def _newest_first(columns: Any) -> list[Any]:
    """The order of hits: the newest ticket first; its texts in a fixed order (pages agree)."""
    return [
        columns.at.desc(),
        columns.ticket_id.desc(),
        columns.kind,
        columns.source_id.desc(),
    ]


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class _Matcher:
    """Builds "every term is in this column" for one search.

    A trigram index finds the rows holding a rare word fast, but a common one (漏水 in a
    year of voicemails) matches tens of thousands, each read back and checked, before the
    newest twenty can be chosen. So each column's candidates are first counted up to COMMON
    through its index; past that, the condition is written so no index can serve it, and the
    database walks tickets newest first (or through a filter's index) and stops after a page.
    Counting (`counting`) leaves the choice to the planner (an indexable condition): it
    wants up to MAX_COUNTED hits in any order, and a forced scan reads a large part of the
    table for a word that has only a few thousand hits (a room number).
    """

    def __init__(
        self,
        session: Session,
        terms: Sequence[str],
        counting: bool = False,
        counts: Sequence[int] = (),
    ) -> None:
        self.session = session
        self.counting = counting
        # Each kind's hits under the search's filters, in the order the kinds are asked for.
        self.counts = iter(counts)
        self.terms = terms
        self.dialect = session.get_bind().dialect.name
        self.indexed = any(len(t) >= INDEXED_CHARS for t in terms)

    def __call__(
        self,
        table: str,
        column: Any,
        row_id: Any,
        *only: ColumnElement[bool],
        windowed: bool = False,
    ) -> ColumnElement[bool]:
        """The condition on `column` (of `table`, whose key is `row_id`; `only`: the rows of
        the table that are searched at all). `windowed`: a short query's rows of this table
        are found by a date index, so the text must not look indexable."""
        if not self.indexed:
            if windowed:
                # LIKE with two characters still looks like a trigram index's operator to
                # PostgreSQL, which then reads every row of the index: strpos is not one.
                return self._scan(column)
            # No trigram in the query: no index can help, and LIKE (unlike strpos) carries
            # the planner's estimate of how rare the pattern is.
            return self._like(column)
        condition = self._index(table, column, row_id)
        if self.counting:
            return condition
        hits = next(self.counts, None)
        if hits is None:
            candidates = select(literal(1)).where(condition, *only).limit(COMMON).subquery()
            hits = self.session.scalar(select(func.count()).select_from(candidates)) or 0
        if hits >= COMMON:
            return self._scan(column)
        return condition

    def _scan(self, column: Any) -> ColumnElement[bool]:
        if self.dialect == "postgresql":
            # strpos, unlike LIKE, is no trigram index's operator: the planner cannot pick
            # the index for a common word. lower() only where the term has cased letters.
            return and_(
                *(
                    func.strpos(func.lower(column), t.lower()) > 0
                    if t.lower() != t.upper()
                    else func.strpos(column, t) > 0
                    for t in self.terms
                )
            )
        # SQLite's LIKE (ASCII case-insensitive) uses no index on a plain text column.
        return and_(*(column.like(_like(t), escape="\\") for t in self.terms))

    def _like(self, column: Any) -> ColumnElement[bool]:
        # ILIKE lowercases every row it reads; a term without letters that have a case
        # (Chinese, digits) matches the same with LIKE, for less work. SQLite's LIKE is
        # case-insensitive already (ASCII).
        return and_(
            *(
                column.ilike(_like(t), escape="\\")
                if t.lower() != t.upper() and self.dialect == "postgresql"
                else column.like(_like(t), escape="\\")
                for t in self.terms
            )
        )

    def _index(self, table: str, column: Any, row_id: Any) -> ColumnElement[bool]:
        if self.dialect == "postgresql":
            return self._like(column)
        short = [t for t in self.terms if len(t) < INDEXED_CHARS]
        conditions = [column.like(_like(t), escape="\\") for t in short]
        fts = fts_table(table, column.key)
        # An FTS5 phrase in double quotes is matched literally (quotes doubled inside).
        phrases = " AND ".join(
            '"' + t.replace('"', '""') + '"' for t in self.terms if len(t) >= INDEXED_CHARS
        )
        index = table_clause(fts, column_clause("rowid"))
        conditions.append(
            row_id.in_(
                select(index.c.rowid).where(
                    literal_column(fts).op("MATCH")(bindparam(None, phrases))
                )
            )
        )
        return and_(*conditions)


def _branches(
    matches: _Matcher,
    history: bool,
    window: tuple[date, date] | None,
    since: datetime | None,
) -> list[Branch]:
    """One select per kind of text: (kind, source_id, ticket_id, at). `window`: a short
    query's window (the tickets' dates are its bound); `since`: its start, when the notes
    are to be read by their own date (hotline.search.query.RECENT_NOTES_DAYS)."""
    windowed = window is not None
    # The current transcript as the ticket holds it: its filters are columns of the same row.
    current = (
        select(
            literal(HitKind.TRANSCRIPT.value).label("kind"),
            Ticket.id.label("source_id"),
            Ticket.id.label("ticket_id"),
            Ticket.created_at.label("at"),
        )
        .select_from(Ticket)
        .where(matches("ticket", Ticket.transcript_text, Ticket.id))
    )
    note = TicketEvent.note != ""
    if since is None:
        notes = (
            select(
                literal(HitKind.NOTE.value).label("kind"),
                TicketEvent.id.label("source_id"),
                Ticket.id.label("ticket_id"),
                Ticket.created_at.label("at"),
            )
            .select_from(TicketEvent)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(
                note,
                matches("ticket_event", TicketEvent.note, TicketEvent.id, note, windowed=windowed),
            )
        )
    else:
        # A note is never older than its ticket, so the window's tickets' notes are among
        # the notes written since its start: those are read (ix_ticket_event_note_at) and
        # matched first, then joined to their tickets. OFFSET 0 keeps the planner from
        # walking the window's tickets newest first instead, probing each for a note, which
        # reads every ticket of the window when no note matches.
        matched = (
            select(TicketEvent.id, TicketEvent.ticket_id)
            .where(
                note,
                TicketEvent.at >= since,
                matches("ticket_event", TicketEvent.note, TicketEvent.id, windowed=True),
            )
            .offset(0)
            .subquery("matched_notes")
        )
        notes = (
            select(
                literal(HitKind.NOTE.value).label("kind"),
                matched.c.id.label("source_id"),
                Ticket.id.label("ticket_id"),
                Ticket.created_at.label("at"),
            )
            .select_from(matched)
            .join(Ticket, Ticket.id == matched.c.ticket_id)
        )
    summaries = (
        select(
            literal(HitKind.SUMMARY.value).label("kind"),
            Ticket.id.label("source_id"),
            Ticket.id.label("ticket_id"),
            Ticket.created_at.label("at"),
        )
        .select_from(Ticket)
        # A voicemail's summary is the start of its transcript: searched there already.
        .where(Ticket.transcript_text == "")
        .where(
            matches(
                "ticket",
                Ticket.summary,
                Ticket.id,
                Ticket.transcript_text == "",
                # The window's tickets without a transcript: ix_ticket_summary_created_at.
                windowed=windowed,
            )
        )
    )
    branches = [current, notes, summaries]
    if history:
        branches.append(
            select(
                literal(HitKind.EARLIER.value).label("kind"),
                Transcript.id.label("source_id"),
                Ticket.id.label("ticket_id"),
                Ticket.created_at.label("at"),
            )
            .select_from(Transcript)
            .join(Ticket, Ticket.recording_id == Transcript.recording_id)
            .where(Transcript.current.is_(False))
            .where(
                matches("transcript", Transcript.text, Transcript.id, Transcript.current.is_(False))
            )
        )
    return branches


def _local_midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone))


def _narrow(
    stmt: Branch,
    scope: Scope,
    criteria: SearchFilter,
    timezone: str,
    window: tuple[date, date] | None,
) -> Branch:
    """A branch restricted to the user's scope, the filters and a short query's window."""
    if not scope.everything:
        stmt = scope.tickets(stmt.outerjoin(Call, Call.id == Ticket.call_id))
    if criteria.urgent or criteria.reviewed is not None:
        stmt = stmt.outerjoin(Recording, Recording.id == Ticket.recording_id)
    if criteria.urgent:
        stmt = stmt.where(
            or_(Ticket.priority == Priority.URGENT, Recording.triage_priority == URGENT)
        )
    if criteria.reviewed is True:
        stmt = stmt.where(Recording.reviewed_at.is_not(None))
    elif criteria.reviewed is False:
        stmt = stmt.where(Recording.id.is_not(None), Recording.reviewed_at.is_(None))
    if criteria.community_id is not None:
        stmt = stmt.where(Ticket.community_id == criteria.community_id)
    if criteria.category_id is not None:
        stmt = stmt.where(Ticket.category_id == criteria.category_id)
    if criteria.status is not None:
        stmt = stmt.where(Ticket.status == criteria.status)
    start, end = window or (criteria.date_from, criteria.date_to)
    if start is not None:
        stmt = stmt.where(Ticket.created_at >= _local_midnight(start, timezone))
    if end is not None:
        stmt = stmt.where(Ticket.created_at < _local_midnight(end + timedelta(days=1), timezone))
    return stmt


def _load(
    session: Session, rows: Sequence[tuple[HitKind, int, int]], terms: Sequence[str]
) -> list[Hit]:
    """The page's hits with their tickets and snippets (three queries, whatever the page)."""
    ticket_ids = {ticket_id for _, _, ticket_id in rows}
    tickets = {
        t.id: t
        for t in session.scalars(
            select(Ticket)
            .where(Ticket.id.in_(ticket_ids))
            .options(selectinload(Ticket.community), selectinload(Ticket.category))
        )
    }
    transcript_ids = [i for k, i, _ in rows if k is HitKind.EARLIER]
    note_ids = [i for k, i, _ in rows if k is HitKind.NOTE]
    transcripts: dict[int, str] = {}
    if transcript_ids:
        found = select(Transcript.id, Transcript.text).where(Transcript.id.in_(transcript_ids))
        transcripts = {row.id: row.text for row in session.execute(found)}
    notes: dict[int, str] = {}
    if note_ids:
        found_notes = select(TicketEvent.id, TicketEvent.note).where(TicketEvent.id.in_(note_ids))
        notes = {row.id: row.note for row in session.execute(found_notes)}
    hits = []
    for kind, source_id, ticket_id in rows:
        ticket = tickets[ticket_id]
        if kind is HitKind.NOTE:
            body = notes.get(source_id, "")
        elif kind is HitKind.SUMMARY:
            body = ticket.summary
        elif kind is HitKind.TRANSCRIPT:
            body = ticket.transcript_text
        else:
            body = transcripts.get(source_id, "")
        hits.append(Hit(kind=kind, ticket=ticket, pieces=snippet(body, terms)))
    return hits
