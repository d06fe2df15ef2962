"""Retention: a voicemail's audio is deleted `days` after it was left; its transcripts and
ticket are kept.

Only reviewed recordings are deleted (`reviewed_at` set): one still waiting for review is
never deleted early, however old. Each deletion happens exactly once, whoever runs it: a
conditional UPDATE claims the recording (`audio_deleted_at`) together with its audit entry
(username "system") and is committed *before* the file is removed, outside any transaction.
Once the file is gone the row forgets its path; a row claimed but still holding a path (the
worker died between the two, or the file could not be removed) is finished by the next run
without another claim or audit entry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from hotline import audit
from hotline.models import Recording

logger = logging.getLogger(__name__)

# Recordings handled per run; the beat entry runs often enough to catch up.
BATCH = 500


@dataclass(frozen=True)
class Swept:
    """What one run did: recordings claimed (and audited), files removed, files that could not
    be removed (left for the next run)."""

    claimed: int = 0
    removed: int = 0
    failed: int = 0


def cutoff(now: datetime, days: int) -> datetime | None:
    """Audio left before this is due for deletion; None when retention is off (0 days)."""
    return None if days <= 0 else now - timedelta(days=days)


def due(session: Session, now: datetime, days: int, limit: int = BATCH) -> list[int]:
    """Reviewed recordings older than `days` whose audio is still kept, oldest first."""
    before = cutoff(now, days)
    if before is None:
        return []
    return list(
        session.scalars(
            select(Recording.id)
            .where(
                Recording.created_at < before,
                Recording.audio_deleted_at.is_(None),
                Recording.reviewed_at.is_not(None),
                Recording.local_path.is_not(None),
            )
            .order_by(Recording.created_at, Recording.id)
            .limit(limit)
        )
    )


def unfinished(session: Session, limit: int = BATCH) -> list[int]:
    """Recordings claimed for deletion whose file was not removed yet."""
    return list(
        session.scalars(
            select(Recording.id)
            .where(Recording.audio_deleted_at.is_not(None), Recording.local_path.is_not(None))
            .order_by(Recording.id)
            .limit(limit)
        )
    )


def claim(session: Session, recording_id: int, now: datetime, days: int) -> bool:
    """Mark one recording's audio deleted and audit it, if it is still due and nobody else
    claimed it (a conditional UPDATE: of concurrent runs exactly one wins). The caller
    commits before removing the file."""
    before = cutoff(now, days)
    if before is None:
        return False
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Recording)
            .where(
                Recording.id == recording_id,
                Recording.audio_deleted_at.is_(None),
                Recording.reviewed_at.is_not(None),
                Recording.created_at < before,
                Recording.local_path.is_not(None),
            )
            .values(audio_deleted_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        return False
    row = session.execute(
        select(Recording.recording_sid, Recording.created_at, Recording.size_bytes).where(
            Recording.id == recording_id
        )
    ).one()
    audit.record(
        session,
        user_id=None,
        username=audit.SYSTEM,
        action=audit.Action.RECORDING_DELETE,
        target=f"recording:{recording_id}",
        detail=f"retention {days} days; {row.recording_sid} of {row.created_at:%Y-%m-%d}, "
        f"{row.size_bytes or 0} bytes",
        at=now,
    )
    return True


def _remove(recordings_dir: Path, local_path: str) -> bool:
    path = recordings_dir / local_path
    try:
        path.unlink(missing_ok=True)
    except OSError:
        logger.exception("could not remove %s; the next run tries again", path)
        return False
    return True


def finish(
    session: Session, recording_id: int, recordings_dir: Path, commit: Callable[[], None]
) -> bool:
    """Remove a claimed recording's file (outside any transaction), then forget its path.
    False if the file could not be removed (the row keeps its path for the next run)."""
    local_path = session.scalar(
        select(Recording.local_path).where(
            Recording.id == recording_id, Recording.audio_deleted_at.is_not(None)
        )
    )
    commit()  # end the read's transaction: no transaction is open while the file goes
    if local_path is None:
        return True
    if not _remove(recordings_dir, local_path):
        return False
    session.execute(
        update(Recording)
        .where(Recording.id == recording_id, Recording.local_path == local_path)
        .values(local_path=None)
        .execution_options(synchronize_session=False)
    )
    commit()
    return True


def sweep(
    session: Session,
    now: datetime,
    *,
    days: int,
    recordings_dir: Path,
    commit: Callable[[], None],
    limit: int = BATCH,
) -> Swept:
    """Delete the audio of every due recording (up to `limit`), each claimed, audited and
    committed before its file is removed; finish earlier claims left unfinished."""
    ids = due(session, now, days, limit)
    leftovers = unfinished(session, limit)
    commit()
    claimed = removed = failed = 0
    for recording_id in ids:
        won = claim(session, recording_id, now, days)
        commit()
        if not won:
            continue  # another run took it first
        claimed += 1
        if finish(session, recording_id, recordings_dir, commit):
            removed += 1
        else:
            failed += 1
    for recording_id in leftovers:
        if finish(session, recording_id, recordings_dir, commit):
            removed += 1
        else:
            failed += 1
    return Swept(claimed, removed, failed)
