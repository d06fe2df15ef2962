"""The audit log: who played, downloaded, viewed, edited or exported what, who logged in, and
every administration change (users, volunteers, teams, communities, categories).

Append-only: the application only ever adds entries (`record`); nothing updates or deletes
one (tests/audit/test_append_only.py greps the code base for it). Callers record in the same
transaction as what they audit and commit as usual; a view that only reads commits the entry.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Select, event, select
from sqlalchemy.orm import Session

from hotline.models.audit import AuditEntry

if TYPE_CHECKING:
    from hotline.review.scope import Page

# The review pages import this module, and hotline.review imports them: paging is imported
# where it is used (`entries`) so neither waits for the other.
PER_PAGE = 25


class Action(enum.StrEnum):
    """The audited actions (stored as these strings in `AuditEntry.action`)."""

    LOGIN = "login"
    LOGIN_FAILED = "login.failed"
    RECORDING_PLAY = "recording.play"
    RECORDING_DOWNLOAD = "recording.download"
    RECORDING_REVIEW = "recording.review"
    RECORDING_DELETE = "recording.delete"
    TRANSCRIPT_VIEW = "transcript.view"
    TRANSCRIPT_EDIT = "transcript.edit"
    EXPORT = "export"
    ONLINE_SUBMIT = "online.submit"
    NUMBER_BLOCK = "number.block"
    NUMBER_UNBLOCK = "number.unblock"
    # Administration (hotline/admin): users, volunteers, teams, communities, categories.
    USER_CREATE = "user.create"
    USER_EDIT = "user.edit"
    USER_RESET = "user.password"
    USER_DISABLE = "user.disable"
    USER_ENABLE = "user.enable"
    VOLUNTEER_CREATE = "volunteer.create"
    VOLUNTEER_EDIT = "volunteer.edit"
    VOLUNTEER_IMPORT = "volunteer.import"
    TEAM_CREATE = "team.create"
    TEAM_EDIT = "team.edit"
    TEAM_DELETE = "team.delete"
    COMMUNITY_CREATE = "community.create"
    COMMUNITY_EDIT = "community.edit"
    COMMUNITY_DELETE = "community.delete"
    CATEGORY_CREATE = "category.create"
    CATEGORY_EDIT = "category.edit"
    CATEGORY_DELETE = "category.delete"
    # Ticket photos (hotline.photos): added on the dashboard, viewed there or by a signed link.
    PHOTO_ADD = "photo.add"
    PHOTO_VIEW = "photo.view"


ACTIONS: tuple[str, ...] = tuple(a.value for a in Action)

# The column widths of AuditEntry: values are cut to fit, never refused.
USERNAME_MAX = 64
ACTION_MAX = 32
TARGET_MAX = 100
ADDRESS_MAX = 64
DETAIL_MAX = 500

# The username of entries made by jobs (retention).
SYSTEM = "system"


class AppendOnly(RuntimeError):
    """Something tried to change or remove an audit entry."""


def _refuse(_mapper: object, _connection: object, target: AuditEntry) -> None:
    raise AppendOnly(f"audit entry {target.id} is append-only")


# The ORM refuses to flush a changed or deleted entry (bulk UPDATE/DELETE statements bypass
# these hooks: tests/audit/test_append_only.py greps the code base for those).
event.listen(AuditEntry, "before_update", _refuse)
event.listen(AuditEntry, "before_delete", _refuse)


def _cut(value: object, limit: int) -> str:
    text = "" if value is None else str(value)
    # Control characters (newlines in a typed username, say) would only confuse a reader.
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text[:limit]


def record(
    session: Session,
    *,
    user_id: int | None,
    username: str,
    action: Action | str,
    target: str = "",
    address: str = "",
    detail: str = "",
    at: datetime | None = None,
) -> AuditEntry:
    """Add one audit entry to `session` (flushed, not committed: the caller commits).

    `target` names what it was done to: "recording:12", "ticket:2026-000123",
    "export:tickets". `address` is the client's address (empty for jobs). `action` must be
    one of `Action` (an unknown one is a ValueError: a typo would hide entries from the
    log's filter). Every text is cut to its column's width, so a caller can pass what it has.
    """
    entry = AuditEntry(
        user_id=user_id,
        username=_cut(username, USERNAME_MAX),
        action=Action(action).value,
        target=_cut(target, TARGET_MAX),
        address=_cut(address, ADDRESS_MAX),
        detail=_cut(detail, DETAIL_MAX),
    )
    if at is not None:
        entry.at = at
    session.add(entry)
    session.flush()
    return entry


# --- browsing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """What the log page narrows to: a username (exact), an action, a target (its start:
    "recording:" or "recording:12"), local days from and to (both included)."""

    username: str = ""
    action: str = ""
    target: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _matching(criteria: AuditFilter, timezone: str) -> Select[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if criteria.username:
        stmt = stmt.where(AuditEntry.username == criteria.username)
    if criteria.action:
        stmt = stmt.where(AuditEntry.action == criteria.action)
    if criteria.target:
        stmt = stmt.where(AuditEntry.target.like(_escape_like(criteria.target) + "%", escape="\\"))
    if criteria.date_from is not None:
        stmt = stmt.where(AuditEntry.at >= _midnight(criteria.date_from, timezone))
    if criteria.date_to is not None:
        stmt = stmt.where(AuditEntry.at < _midnight(criteria.date_to + timedelta(days=1), timezone))
    return stmt


def entries(
    session: Session,
    criteria: AuditFilter,
    timezone: str,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[AuditEntry]:
    """One page of the entries matching `criteria`, newest first."""
    from hotline.review.scope import Page, count_rows, page_of

    stmt = _matching(criteria, timezone)
    total = count_rows(session, stmt)
    items = list(session.scalars(page_of(stmt, page, per_page)))
    return Page(items, page, per_page, total)


def export(session: Session, criteria: AuditFilter, timezone: str, limit: int) -> list[AuditEntry]:
    """At most `limit` entries matching `criteria`, newest first (the CSV download)."""
    return list(session.scalars(_matching(criteria, timezone).limit(limit)))
