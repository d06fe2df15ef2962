"""The transcription lease: which job may decode a recording, and until when.

A job claims a recording for transcribing with a lease in its own columns (lease_holder,
lease_expires_at) and renews it while it decodes; once the lease ends, the holder is presumed
dead and another job may take the recording over. A holder that lost its lease stops decoding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import and_, or_, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from hotline.models import Recording, RecordingStatus

# A claim lasts this long past its holder's last renewal (HOTLINE_TRANSCRIBE_LEASE_SECONDS).
# The holder renews it while decoding (ten times per lease), so a live worker keeps it however
# slow a busy machine makes the decode, and the recording of a worker that died is taken over
# this long after its last sign of life.
TRANSCRIBE_LEASE = timedelta(minutes=10)
RENEWALS_PER_LEASE = 10

S = RecordingStatus
Clock = Callable[[], datetime]


def lease_expired(now: datetime) -> ColumnElement[bool]:
    """SQL for `abandoned`."""
    return and_(
        Recording.status == S.TRANSCRIBING,
        or_(Recording.lease_expires_at.is_(None), Recording.lease_expires_at < now),
    )


def abandoned(recording: Recording, now: datetime) -> bool:
    """`transcribing` with its lease run out (or none: claimed before leases existed): its
    worker is gone."""
    return recording.status is S.TRANSCRIBING and (
        recording.lease_expires_at is None or recording.lease_expires_at < now
    )


class LeaseLost(Exception):
    """Another job took the recording over: this one stops decoding."""


@dataclass
class Lease:
    """The transcription lease one job holds, renewed from the decode's progress reports."""

    session: Session
    recording_id: int
    holder: str
    clock: Clock
    commit: Callable[[], None]
    renewed_at: datetime
    duration: timedelta = TRANSCRIBE_LEASE

    @property
    def expires_at(self) -> datetime:
        """When the lease ends unless renewed: `duration` after its last renewal."""
        return self.renewed_at + self.duration

    def renew_if_due(self, _decoded_s: float) -> None:
        """Push the expiry on (and commit) every tenth of the lease; LeaseLost if taken over."""
        now = self.clock()
        if now - self.renewed_at < self.duration / RENEWALS_PER_LEASE:
            return
        renewed = cast(
            CursorResult[Any],
            self.session.execute(
                update(Recording)
                .where(
                    Recording.id == self.recording_id,
                    Recording.status == S.TRANSCRIBING,
                    Recording.lease_holder == self.holder,
                )
                .values(lease_expires_at=now + self.duration)
                .execution_options(synchronize_session=False)
            ),
        )
        self.commit()
        if not renewed.rowcount:
            raise LeaseLost
        self.renewed_at = now
