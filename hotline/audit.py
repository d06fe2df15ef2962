"""The audit log: who played, downloaded, viewed, edited or exported what, and who logged in.

Append-only: the application only ever adds entries (`record`); nothing updates or deletes
one (tests/audit/test_append_only.py greps the code base for it). Callers record in the same
transaction as what they audit and commit as usual; a view that only reads commits the entry.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy.orm import Session

from hotline.models.audit import AuditEntry


class Action(enum.StrEnum):
    """The audited actions (stored as these strings in `AuditEntry.action`)."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    RECORDING_PLAY = "recording_play"
    RECORDING_DOWNLOAD = "recording_download"
    RECORDING_DELETE = "recording_delete"
    TRANSCRIPT_VIEW = "transcript_view"
    TRANSCRIPT_EDIT = "transcript_edit"
    EXPORT = "export"


ACTIONS: tuple[str, ...] = tuple(a.value for a in Action)

# The column widths of AuditEntry: values are cut to fit, never refused.
USERNAME_MAX = 64
ACTION_MAX = 32
TARGET_MAX = 100
ADDRESS_MAX = 64
DETAIL_MAX = 500

# The username of entries made by jobs (retention).
SYSTEM = "system"


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
