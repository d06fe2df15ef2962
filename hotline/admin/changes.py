"""What every administration change shares: who made it (`Editor`), why one is refused
(`AdminError`), and its audit entry (`record`), written in the change's own transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline import audit
from hotline.refusal import Refused

# Names the command line's changes in the audit log (its users have no dashboard login).
CLI = "cli"


class AdminError(Refused):
    """A change to users, people, places or categories that the rules refuse."""


@dataclass(frozen=True)
class Editor:
    """Who makes a change: a dashboard user (id, username, the client's address), or the
    command line (no id, `cli:<login>`)."""

    user_id: int | None
    username: str
    address: str = ""


Values = Mapping[str, object]


def _shown(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def changes(before: Values, after: Values) -> str:
    """The fields that differ, as `field: old → new; ...` (every field of `after` for a
    new row, when `before` is empty)."""
    return "; ".join(
        f"{name}: {_shown(before[name])} → {_shown(value)}"
        if name in before
        else f"{name}: {_shown(value)}"
        for name, value in after.items()
        if name not in before or before[name] != value
    )


def record(
    session: Session, editor: Editor, action: audit.Action, target: str, detail: str = ""
) -> None:
    """Audit one change by `editor` (the caller commits it with the change)."""
    audit.record(
        session,
        user_id=editor.user_id,
        username=editor.username,
        action=action,
        target=target,
        address=editor.address,
        detail=detail,
    )
