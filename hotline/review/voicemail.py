"""Supervisor review of voicemails: the queue (unreviewed, urgent first, then oldest), one
voicemail with its audio, timed words and versions (each correction a transcript of its own,
the machine's kept), saving a correction and marking it reviewed, and every play audited.

The caller owns the transaction: commit after `save` (then queue the triage alert if
`Saved.escalate`), after `playback` (then send the file), after `voicemail` (its view is
audited)."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVarTuple

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from hotline import triage
from hotline.audit import Action, record
from hotline.models import (
    Call,
    Priority,
    Recording,
    RecordingStatus,
    Ticket,
    Transcript,
    User,
)
from hotline.recordings.files import stored_audio
from hotline.refusal import N_, Refused
from hotline.review.scope import PER_PAGE, NotVisible, Page, Scope, page_of
from hotline.tickets import workflow
from hotline.tickets.lifecycle import attach_transcript

Ts = TypeVarTuple("Ts")
# Voicemails with a transcript or on their way to one; empty and failed ones have nothing to read.
REVIEWABLE = (
    RecordingStatus.TRANSCRIBED,
    RecordingStatus.AWAITING_DOWNLOAD,
    RecordingStatus.DOWNLOADED,
    RecordingStatus.TRANSCRIBING,
    RecordingStatus.AWAITING_MODEL,
)
# Words the recogniser was less sure of than this are marked on the page.
LOW_CONFIDENCE = 0.6
# A corrected transcript's longest text (a 3-minute voicemail is some 1,000 characters).
MAX_TEXT_CHARS = 5000


class NotEditable(PermissionError):
    """The user may see the voicemail but not correct it (only supervisors and admins may)."""


@dataclass(frozen=True)
class Actor:
    """Who reviews, plays or corrects: the dashboard user and the address they came from."""

    user_id: int
    username: str
    address: str = ""

    @property
    def ticket_actor(self) -> workflow.Actor:
        """The same user as the ticket workflow names them."""
        return workflow.Actor(self.username, self.user_id)


def audit(
    session: Session,
    actor: Actor,
    action: Action,
    target: str,
    detail: str = "",
    at: datetime | None = None,
) -> None:
    """Append an entry to the audit log (hotline.audit: append-only) in the caller's transaction."""
    record(
        session,
        user_id=actor.user_id,
        username=actor.username,
        action=action,
        target=target,
        address=actor.address,
        detail=detail,
        at=at,
    )


# --- the queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    """A voicemail waiting for review, its ticket and the start of its current text."""

    recording: Recording
    ticket: Ticket | None
    text: str | None
    urgent: bool


@dataclass(frozen=True)
class QueueCounts:
    """Unreviewed voicemails, and how many of them are urgent (the header's badges)."""

    unreviewed: int
    urgent: int


def _urgent() -> Any:
    return or_(Recording.triage_priority == "urgent", Ticket.priority == Priority.URGENT)


def _queue(stmt: Select[*Ts]) -> Select[*Ts]:
    return stmt.outerjoin(Ticket, Ticket.recording_id == Recording.id).where(
        Recording.reviewed_at.is_(None), Recording.status.in_(REVIEWABLE)
    )


def _ordered(stmt: Select[*Ts]) -> Select[*Ts]:
    return stmt.order_by(case((_urgent(), 0), else_=1), Recording.created_at, Recording.id)


def review_queue(session: Session, page: int = 1, per_page: int = PER_PAGE) -> Page[QueueRow]:
    """Unreviewed voicemails, urgent first (the triage's or the ticket's priority), then oldest;
    a page past the end gives the last page.

    Counted once, then only the ids are sorted (a short row each, not the transcripts' text);
    the page's few rows are loaded afterwards."""
    total = session.scalar(_queue(select(func.count(Recording.id)))) or 0
    page = min(page, max(1, math.ceil(total / per_page)))
    ids = list(session.scalars(page_of(_ordered(_queue(select(Recording.id))), page, per_page)))
    rows = session.execute(
        select(Recording, Ticket, Transcript.text, case((_urgent(), True), else_=False))
        .outerjoin(Ticket, Ticket.recording_id == Recording.id)
        .outerjoin(
            Transcript,
            (Transcript.recording_id == Recording.id) & Transcript.current.is_(True),
        )
        .where(Recording.id.in_(ids))
    )
    found = {
        rec.id: QueueRow(
            rec, ticket, None if text is None else _CJK_SPACE.sub("", text), bool(urgent)
        )
        for rec, ticket, text, urgent in rows
    }
    return Page([found[i] for i in ids if i in found], page, per_page, total)


def queue_counts(session: Session) -> QueueCounts:
    """How many voicemails wait for review, and how many of those are urgent."""
    total, urgent = session.execute(
        _queue(select(func.count(Recording.id), func.sum(case((_urgent(), 1), else_=0))))
    ).one()
    return QueueCounts(int(total or 0), int(urgent or 0))


def next_in_queue(session: Session, after: int | None = None) -> int | None:
    """The recording id to review next (skipping `after`, the one just saved); None when done."""
    stmt = _ordered(_queue(select(Recording.id)))
    if after is not None:
        stmt = stmt.where(Recording.id != after)
    found: int | None = session.scalars(stmt.limit(1)).first()
    return found


# --- one voicemail -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """A word of the transcript as the player shows it: its time span and whether the
    recogniser was unsure of it (confidence None: typed by a supervisor, no score)."""

    text: str
    start: float
    end: float
    confidence: float | None

    @property
    def low(self) -> bool:
        """Whether to mark it as doubtful."""
        return self.confidence is not None and self.confidence < LOW_CONFIDENCE


@dataclass(frozen=True)
class Version:
    """A transcript of the recording: the machine's (model_name) or a correction (editor)."""

    transcript: Transcript
    editor: str | None

    @property
    def machine(self) -> bool:
        """Whether a speech model wrote it."""
        return self.transcript.edited_by_id is None


@dataclass(frozen=True)
class DiffPiece:
    """A stretch of a diff between two versions: "equal", "insert" or "delete"."""

    op: str
    text: str


@dataclass(frozen=True)
class VoicemailView:
    """Everything the review page and the ticket's player show."""

    recording: Recording
    ticket: Ticket | None
    current: Transcript | None
    words: list[Word]
    # Newest first.
    versions: list[Version]
    # The audio file is stored and may be played.
    audio: bool
    # Whether the viewer may correct it and mark it reviewed.
    edits: bool
    reviewed_by: str | None

    @property
    def audio_deleted(self) -> bool:
        """Retention deleted the audio (the transcripts stay)."""
        return self.recording.audio_deleted_at is not None

    def version(self, transcript_id: int) -> Version | None:
        """A version by its transcript id."""
        return next((v for v in self.versions if v.transcript.id == transcript_id), None)

    def diff(
        self, transcript_id: int | None = None
    ) -> tuple[Version, Version, list[DiffPiece]] | None:
        """A version (the current one unless given) against the one before it; None if it is the
        first."""
        ids = [v.transcript.id for v in self.versions]
        target = transcript_id if transcript_id in ids else (ids[0] if ids else None)
        if target is None:
            return None
        index = ids.index(target)
        if index + 1 >= len(ids):
            return None
        newer, older = self.versions[index], self.versions[index + 1]
        return older, newer, diff_pieces(older.transcript.text, newer.transcript.text)


# Spaces between Chinese characters (Vosk separates its words with them) are not text.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_SPACE = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")


def diff_pieces(old: str, new: str) -> list[DiffPiece]:
    """What changed from `old` to `new`, character by character (Chinese has no spaces: those
    between Chinese characters are left out of both first)."""
    old, new = _CJK_SPACE.sub("", old), _CJK_SPACE.sub("", new)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    pieces: list[DiffPiece] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(DiffPiece("equal", old[i1:i2]))
            continue
        if op in ("delete", "replace"):
            pieces.append(DiffPiece("delete", old[i1:i2]))
        if op in ("insert", "replace"):
            pieces.append(DiffPiece("insert", new[j1:j2]))
    return pieces


def _words(transcript: Transcript | None) -> list[Word]:
    if transcript is None:
        return []
    words = []
    for raw in transcript.words or []:
        try:
            confidence = raw.get("confidence")
            words.append(
                Word(
                    text=str(raw["word"]),
                    start=float(raw["start"]),
                    end=float(raw["end"]),
                    confidence=None if confidence is None else float(confidence),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    return words


def visible(session: Session, scope: Scope, recording: Recording, ticket: Ticket | None) -> bool:
    """Whether a user of `scope` may see (and hear) the voicemail: they may see its call, or
    its ticket (a volunteer assigned the ticket)."""
    return scope.allows(session.get(Call, recording.call_id)) or (
        ticket is not None and scope.allows_ticket(ticket)
    )


def _ticket_of(session: Session, recording: Recording) -> Ticket | None:
    ticket: Ticket | None = session.scalars(
        select(Ticket).where(Ticket.recording_id == recording.id).order_by(Ticket.id).limit(1)
    ).first()
    return ticket


def _visible_recording(
    session: Session, scope: Scope, recording_id: int
) -> tuple[Recording, Ticket | None] | None:
    recording = session.get(Recording, recording_id)
    if recording is None:
        return None
    ticket = _ticket_of(session, recording)
    if not visible(session, scope, recording, ticket):
        raise NotVisible(f"recording {recording_id}")
    return recording, ticket


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(User.id, User.display_name, User.username).where(User.id.in_(ids))
    )
    return {uid: display or username for uid, display, username in rows}


def voicemail(
    session: Session,
    scope: Scope,
    recording_id: int,
    recordings_dir: Path,
    actor: Actor | None,
) -> VoicemailView | None:
    """The voicemail's review page (None if no such recording; NotVisible outside the scope).
    Reading its transcript is audited for `actor` (None: the page audits its own views)."""
    found = _visible_recording(session, scope, recording_id)
    if found is None:
        return None
    recording, ticket = found
    transcripts = list(
        session.scalars(
            select(Transcript)
            .where(Transcript.recording_id == recording.id)
            .order_by(Transcript.id.desc())
        )
    )
    current = next((t for t in transcripts if t.current), None)
    names = _names(
        session,
        {t.edited_by_id for t in transcripts if t.edited_by_id is not None}
        | ({recording.reviewed_by_id} if recording.reviewed_by_id else set()),
    )
    if actor is not None:
        audit(session, actor, Action.TRANSCRIPT_VIEW, f"recording:{recording.id}")
    return VoicemailView(
        recording=recording,
        ticket=ticket,
        current=current,
        words=_words(current),
        versions=[
            Version(t, names.get(t.edited_by_id) if t.edited_by_id else None) for t in transcripts
        ],
        audio=recording.audio_deleted_at is None
        and stored_audio(recording, recordings_dir) is not None,
        edits=scope.everything,
        reviewed_by=names.get(recording.reviewed_by_id) if recording.reviewed_by_id else None,
    )


def for_ticket(
    session: Session, scope: Scope, ticket: Ticket, recordings_dir: Path
) -> VoicemailView | None:
    """The voicemail of a ticket, for its player on the ticket page (which shows the ticket's
    transcript anyway: not audited again here), or None."""
    if ticket.recording_id is None:
        return None
    try:
        return voicemail(session, scope, ticket.recording_id, recordings_dir, None)
    except NotVisible:
        return None


# --- playing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Playback:
    """The file to send, or why there is none ("deleted": retention removed it; "missing")."""

    path: Path | None
    reason: str
    name: str


def playback(
    session: Session,
    scope: Scope,
    recording_id: int,
    recordings_dir: Path,
    actor: Actor,
    *,
    download: bool,
    audited: bool = True,
) -> Playback | None:
    """The stored audio of a voicemail for `actor` (None if no such recording; NotVisible
    outside the scope). Each play or download is audited; `audited=False` for the further
    range requests of a play already audited (the player's seeks)."""
    found = _visible_recording(session, scope, recording_id)
    if found is None:
        return None
    recording, _ticket = found
    name = f"{recording.recording_sid}.wav"
    if recording.audio_deleted_at is not None:
        return Playback(None, "deleted", name)
    path = stored_audio(recording, recordings_dir)
    if path is None or not path.resolve().is_relative_to(recordings_dir.resolve()):
        return Playback(None, "missing", name)
    if audited:
        audit(
            session,
            actor,
            Action.RECORDING_DOWNLOAD if download else Action.RECORDING_PLAY,
            f"recording:{recording.id}",
        )
    return Playback(path, "", name)


# --- correcting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    """What `save` did: a new version or not, and whether a triage alert is now due."""

    recording_id: int
    changed: bool
    reviewed: bool
    escalate: bool


# A run of Latin letters or digits is one word; any other character (Chinese) is a word alone.
_TOKEN = re.compile(r"[A-Za-z0-9'’]+|\S")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def realign(old_words: list[dict[str, Any]], new_text: str) -> list[dict[str, Any]]:
    """Word timings for a corrected text from the machine's: characters left as they were keep
    their times and confidence; changed ones share the time of what they replaced (or sit in
    the gap where they were inserted) and have no confidence (a person typed them)."""
    spans: list[tuple[str, float, float, float | None]] = []
    for raw in old_words:
        try:
            word, start, end = str(raw["word"]), float(raw["start"]), float(raw["end"])
            conf = raw.get("confidence")
            confidence = None if conf is None else float(conf)
        except (KeyError, TypeError, ValueError):
            continue
        chars = [c for c in word if not c.isspace()]
        for i, char in enumerate(chars):
            step = (end - start) / len(chars)
            spans.append((char, start + i * step, start + (i + 1) * step, confidence))
    if not spans:
        return []
    tokens = _tokens(new_text)
    new_chars = "".join(tokens)
    times: list[tuple[float, float, float | None]] = [(0.0, 0.0, None)] * len(new_chars)
    matcher = difflib.SequenceMatcher(None, [s[0] for s in spans], list(new_chars), autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(j2 - j1):
                _c, start, end, confidence = spans[i1 + k]
                times[j1 + k] = (start, end, confidence)
            continue
        if j1 == j2:
            continue
        if i1 < i2:
            begin, finish = spans[i1][1], spans[i2 - 1][2]
        else:
            begin = spans[i1 - 1][2] if i1 > 0 else spans[0][1]
            finish = spans[i1][1] if i1 < len(spans) else spans[-1][2]
        step = max(finish - begin, 0.0) / (j2 - j1)
        for k in range(j2 - j1):
            times[j1 + k] = (begin + k * step, begin + (k + 1) * step, None)
    words: list[dict[str, Any]] = []
    position = 0
    for token in tokens:
        first, last = times[position], times[position + len(token) - 1]
        confidences = [t[2] for t in times[position : position + len(token)]]
        words.append(
            {
                "word": token,
                "start": round(first[0], 3),
                "end": round(last[1], 3),
                "confidence": None
                if None in confidences
                else min(c for c in confidences if c is not None),
            }
        )
        position += len(token)
    return words


def _squeezed(text: str) -> str:
    return "".join(text.split())


def save(
    session: Session,
    scope: Scope,
    recording_id: int,
    text: str,
    base_id: int | None,
    actor: Actor,
    now: datetime,
    *,
    mark_reviewed: bool,
) -> Saved | None:
    """Save a supervisor's correction of the voicemail (a new current version when the text
    changed; the earlier ones kept) and mark it reviewed if asked. The ticket shows the new
    text and triage runs on it. `base_id` is the version the supervisor corrected: if another
    one became current meanwhile, nothing is saved (Refused). None if no such recording."""
    found = _visible_recording(session, scope, recording_id)
    if found is None:
        return None
    if not scope.everything:
        raise NotEditable(f"recording {recording_id}")
    recording, ticket = found
    text = text.strip()
    if len(text) > MAX_TEXT_CHARS:
        raise Refused(N_("A transcript is at most %(max)s characters."), max=MAX_TEXT_CHARS)
    current = session.scalars(
        select(Transcript)
        .where(Transcript.recording_id == recording.id, Transcript.current.is_(True))
        .order_by(Transcript.id.desc())
        .limit(1)
    ).first()
    if (current.id if current else None) != base_id:
        raise Refused(
            N_(
                "Someone else saved this transcript meanwhile; your text was not saved. "
                "Check the new version and correct it again."
            )
        )
    changed = text != (current.text if current is not None else "")
    escalate = False
    if changed:
        if current is None:
            # The job would put its own transcript over it: wait for the machine's first.
            raise Refused(N_("This voicemail has no transcript to correct yet."))
        if not text:
            raise Refused(N_("A corrected transcript cannot be empty."))
        old_words = list(current.words or []) if current is not None else []
        if current is not None and _squeezed(current.text) == _squeezed(text):
            words = old_words  # only spacing changed: the machine's words stand
        else:
            words = realign(old_words, text)
        for earlier in session.scalars(
            select(Transcript).where(
                Transcript.recording_id == recording.id, Transcript.current.is_(True)
            )
        ):
            earlier.current = False
        session.flush()
        session.add(
            Transcript(
                recording_id=recording.id,
                current=True,
                text=text,
                words=words,
                confidence=current.confidence if current is not None else 0.0,
                audio_duration_s=current.audio_duration_s if current is not None else 0.0,
                model_name="",
                language=current.language if current is not None else "zh",
                created_at=now,
                edited_by_id=actor.user_id,
            )
        )
        if ticket is not None:
            attach_transcript(ticket, text)
        result = triage.apply(session, recording, text, now, actor=actor.ticket_actor)
        escalate = result.escalate
        audit(
            session,
            actor,
            Action.TRANSCRIPT_EDIT,
            f"recording:{recording.id}",
            f"{len(current.text) if current else 0} -> {len(text)} characters",
            at=now,
        )
    if mark_reviewed:
        recording.reviewed_at = now
        recording.reviewed_by_id = actor.user_id
        audit(session, actor, Action.RECORDING_REVIEW, f"recording:{recording.id}", at=now)
    session.flush()
    return Saved(recording.id, changed, mark_reviewed, escalate)
