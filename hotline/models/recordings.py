"""Voicemail recordings and their transcripts (a history: reprocessing keeps older ones)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base, utcnow


class RecordingStatus(enum.StrEnum):
    """Where a voicemail is on its way to a transcript."""

    AWAITING_DOWNLOAD = "awaiting_download"  # the carrier has it; we have not fetched it yet
    DOWNLOADED = "downloaded"  # stored in the recordings directory, not transcribed
    TRANSCRIBING = "transcribing"  # a worker holds its lease and is decoding it
    TRANSCRIBED = "transcribed"  # a current transcript exists
    FAILED = "failed"  # gave up; see failure_reason, retryable from the CLI
    AWAITING_MODEL = "awaiting_model"  # no speech model is installed yet
    EMPTY = "empty"  # the carrier has no audio (absent, failed or 0 s): nothing to transcribe


class Recording(Base):
    """A voicemail left on a call, keyed by the carrier's recording SID."""

    __tablename__ = "recording"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_sid: Mapped[str] = mapped_column(String(64), unique=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    duration_s: Mapped[int] = mapped_column(default=0)
    # The carrier's RecordingStatus (completed, absent, failed).
    carrier_status: Mapped[str] = mapped_column(String(24), default="completed")
    status: Mapped[RecordingStatus] = mapped_column(
        default=RecordingStatus.AWAITING_DOWNLOAD, index=True
    )
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(default=0)
    local_path: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None]
    # The stored audio ends before its header says it should: transcribed as far as it goes.
    truncated: Mapped[bool] = mapped_column(default=False)
    # Supervisor review: when and by whom the transcript was last marked reviewed.
    reviewed_at: Mapped[datetime | None] = mapped_column(index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Triage of the current transcript: the rule that matched (priority, category, phrase)
    # and, for an escalating match, when the on-duty volunteer and supervisors were alerted.
    triage_priority: Mapped[str | None] = mapped_column(String(16))
    triage_category: Mapped[str | None] = mapped_column(String(32))
    triage_phrase: Mapped[str | None] = mapped_column(String(64))
    triage_escalate: Mapped[bool] = mapped_column(default=False)
    escalated_at: Mapped[datetime | None]
    # Retention: the audio file was deleted then (transcripts and tickets are kept).
    audio_deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Last time a job was queued for it; the beat sweep re-queues stale ones.
    enqueued_at: Mapped[datetime | None]
    # The transcription lease: which job run holds it and until when. Only the holder renews
    # it, so no other write (re-queueing, say) can make an abandoned claim look alive.
    lease_holder: Mapped[str | None] = mapped_column(String(32))
    lease_expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    transcripts: Mapped[list[Transcript]] = relationship(
        back_populates="recording", order_by="Transcript.id"
    )


class Transcript(Base):
    """The text of a recording by one model; only one per recording is `current`."""

    __tablename__ = "transcript"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recording.id"), index=True)
    current: Mapped[bool] = mapped_column(default=True)
    text: Mapped[str] = mapped_column(Text, default="")
    # [{"word", "start", "end", "confidence"}]
    words: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    confidence: Mapped[float] = mapped_column(default=0.0)
    audio_duration_s: Mapped[float] = mapped_column(default=0.0)
    model_name: Mapped[str] = mapped_column(String(100), default="")
    language: Mapped[str] = mapped_column(String(8), default="zh")
    decode_seconds: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A supervisor's correction is a transcript of its own (model_name empty): who made it.
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    recording: Mapped[Recording] = relationship(back_populates="transcripts")
