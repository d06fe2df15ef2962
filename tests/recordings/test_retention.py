"""Retention: reviewed voicemails' audio deleted after N days, each once (also under concurrent
runs), audited as "system", claimed and committed before the file goes; transcripts and tickets
kept; unreviewed ones never deleted."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Recording, RecordingStatus, Ticket, Transcript
from hotline.models.audit import AuditEntry
from hotline.recordings import retention
from hotline.schedule import BEAT_SCHEDULE
from hotline.tasks.retention import run_retention
from tests import factories
from tests.factories import CallFactory, RecordingFactory, TicketFactory, TranscriptFactory

NOW = datetime.fromisoformat("2026-11-29T12:00:00+00:00")


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """No speech model needed here (the recordings conftest's app loads one)."""
    return make_app(clock=lambda: NOW, recording_retention_days=30)


@dataclass
class Stored:
    id: int
    path: Path


def _stored(
    session: Session, recordings_dir: Path, *, age_days: int, reviewed: bool, sid: str
) -> Stored:
    with factories.bound(session):
        call = CallFactory()
        created = NOW - timedelta(days=age_days)
        local = f"{created:%Y}/{created:%m}/{sid}.wav"
        recording = RecordingFactory(
            call=call,
            recording_sid=sid,
            created_at=created,
            status=RecordingStatus.TRANSCRIBED,
            local_path=local,
            size_bytes=4,
            reviewed_at=created + timedelta(days=1) if reviewed else None,
        )
        TranscriptFactory(recording=recording, text="楼道里的水管漏水了")
        TicketFactory(call=call, recording_id=recording.id, transcript_text="楼道里的水管漏水了")
    path = recordings_dir / local
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF")
    session.commit()
    return Stored(recording.id, path)


def _sessions(app: Flask) -> Callable[[], Session]:
    return app.extensions["hotline.db"].sessions  # type: ignore[no-any-return]


def _deletions(app: Flask) -> list[AuditEntry]:
    with app.app_context(), _sessions(app)() as session:
        return list(
            session.scalars(select(AuditEntry).where(AuditEntry.action == "recording.delete"))
        )


def test_old_reviewed_audio_is_deleted_once_and_audited_the_rest_kept(app: Flask) -> None:
    recordings_dir: Path = app.extensions["hotline.settings"].recordings_dir
    with app.app_context(), _sessions(app)() as session:
        old = _stored(session, recordings_dir, age_days=31, reviewed=True, sid="REold")
        unreviewed = _stored(session, recordings_dir, age_days=400, reviewed=False, sid="REwait")
        recent = _stored(session, recordings_dir, age_days=29, reviewed=True, sid="REnew")

    with app.app_context():
        swept = run_retention()
        again = run_retention()

    assert swept == retention.Swept(claimed=1, removed=1, failed=0)
    assert again == retention.Swept()
    assert not old.path.exists()
    assert unreviewed.path.exists() and recent.path.exists()
    with app.app_context(), _sessions(app)() as session:
        gone = session.get(Recording, old.id)
        assert gone is not None
        assert gone.audio_deleted_at == NOW and gone.local_path is None
        for kept in (unreviewed.id, recent.id):
            row = session.get(Recording, kept)
            assert row is not None and row.audio_deleted_at is None and row.local_path
        # Transcripts and tickets stay.
        assert session.scalar(select(Transcript.text).where(Transcript.recording_id == old.id))
        assert session.scalar(select(Ticket.transcript_text).where(Ticket.recording_id == old.id))
    [entry] = _deletions(app)
    assert (entry.username, entry.user_id, entry.target, entry.at) == (
        "system",
        None,
        f"recording:{old.id}",
        NOW,
    )
    assert "REold" in entry.detail and "30 days" in entry.detail


def test_zero_days_keeps_everything(make_app: Callable[..., Flask]) -> None:
    app = make_app(clock=lambda: NOW, recording_retention_days=0)
    recordings_dir: Path = app.extensions["hotline.settings"].recordings_dir
    with app.app_context(), _sessions(app)() as session:
        ancient = _stored(session, recordings_dir, age_days=3000, reviewed=True, sid="REancient")
    with app.app_context():
        assert run_retention() is None
    assert ancient.path.exists() and _deletions(app) == []


def test_the_claim_is_committed_before_the_file_goes_outside_any_transaction(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    recordings_dir: Path = app.extensions["hotline.settings"].recordings_dir
    with app.app_context(), _sessions(app)() as session:
        old = _stored(session, recordings_dir, age_days=90, reviewed=True, sid="REclaim")
    remove = retention._remove
    seen: list[tuple[bool, object, int]] = []

    with app.app_context(), _sessions(app)() as session:

        def checked(directory: Path, local_path: str) -> bool:
            with _sessions(app)() as other:  # another connection sees the committed claim
                deleted_at = other.scalar(
                    select(Recording.audio_deleted_at).where(Recording.id == old.id)
                )
                audits = len(
                    other.scalars(
                        select(AuditEntry).where(AuditEntry.target == f"recording:{old.id}")
                    ).all()
                )
            seen.append((session.in_transaction(), deleted_at, audits))
            return remove(directory, local_path)

        monkeypatch.setattr(retention, "_remove", checked)
        retention.sweep(session, NOW, days=30, recordings_dir=recordings_dir, commit=session.commit)
    assert seen == [(False, NOW, 1)]
    assert not old.path.exists()


def test_a_file_that_cannot_be_removed_is_finished_by_the_next_run_without_a_second_audit(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    recordings_dir: Path = app.extensions["hotline.settings"].recordings_dir
    with app.app_context(), _sessions(app)() as session:
        old = _stored(session, recordings_dir, age_days=90, reviewed=True, sid="REstuck")
    remove = retention._remove
    monkeypatch.setattr(retention, "_remove", lambda directory, local_path: False)
    with app.app_context():
        assert run_retention() == retention.Swept(claimed=1, removed=0, failed=1)
    assert old.path.exists()
    monkeypatch.setattr(retention, "_remove", remove)
    with app.app_context():
        assert run_retention() == retention.Swept(claimed=0, removed=1, failed=0)
    assert not old.path.exists()
    assert len(_deletions(app)) == 1


def race(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[retention.Swept]:
    """Two runs (without the lease, as if it had expired) that reach the claim together."""
    recordings_dir: Path = app.extensions["hotline.settings"].recordings_dir
    with app.app_context(), _sessions(app)() as session:
        old = _stored(session, recordings_dir, age_days=60, reviewed=True, sid="RErace")
    both_there = threading.Barrier(2, timeout=30)
    claim = retention.claim

    def claim_together(*args: object, **kwargs: object) -> bool:
        both_there.wait()
        return claim(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(retention, "claim", claim_together)
    results: list[retention.Swept] = []

    def run() -> None:
        with app.app_context(), _sessions(app)() as session:
            results.append(
                retention.sweep(
                    session, NOW, days=30, recordings_dir=recordings_dir, commit=session.commit
                )
            )

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not old.path.exists()
    return sorted(results, key=lambda swept: swept.claimed)


def test_two_concurrent_runs_delete_and_audit_once_on_sqlite(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = race(app, monkeypatch)
    assert [r.claimed for r in results] == [0, 1]
    assert len(_deletions(app)) == 1


@pytest.mark.postgres
def test_two_concurrent_runs_delete_and_audit_once_on_postgresql(
    make_app: Callable[..., Flask], postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg_app = make_app(database_url=postgres_url, clock=lambda: NOW, recording_retention_days=30)
    results = race(pg_app, monkeypatch)
    assert [r.claimed for r in results] == [0, 1]
    assert len(_deletions(pg_app)) == 1


def test_beat_runs_it() -> None:
    entry = BEAT_SCHEDULE["recordings-retention"]
    assert entry["task"] == "hotline.tasks.retention.delete_expired_audio"
