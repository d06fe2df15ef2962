"""Two alert tasks for one recording at the same instant: one claims it, one call and one set of
texts go out; on SQLite and PostgreSQL, with real commits on separate connections."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask

from hotline import triage
from hotline.db import utcnow
from hotline.tasks.triage import run_escalation
from hotline.telephony import FakeTelephony
from hotline.triage import escalation
from tests import factories
from tests.factories import CallFactory, RecordingFactory, TicketFactory
from tests.rota.factories import OverrideFactory, VolunteerFactory


@pytest.fixture
def real_commits() -> bool:
    return True


def race(app: Flask, telephony: FakeTelephony, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Seed an urgent voicemail, then run two escalations that both reach the claim together."""
    with app.app_context(), app.extensions["hotline.db"].sessions() as session:
        with factories.bound(session):
            volunteer = VolunteerFactory()
            now = utcnow()
            OverrideFactory(
                volunteer=volunteer,
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=1),
            )
            call = CallFactory()
            recording = RecordingFactory(call=call)
            TicketFactory(call_id=call.id, recording_id=recording.id, ref="7001")
            triage.apply(session, recording, "楼道里着火了", now)
            session.commit()
            recording_id = recording.id
    monkeypatch.setitem(
        app.extensions,
        "hotline.settings",
        dataclasses.replace(app.extensions["hotline.settings"], line_number="+8657100000000"),
    )
    both_there = threading.Barrier(2, timeout=30)
    claim = escalation.claim

    def claim_together(*args: object, **kwargs: object) -> bool:
        both_there.wait()
        return claim(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(escalation, "claim", claim_together)
    claimed: list[bool] = []

    def run() -> None:
        with app.app_context():
            claimed.append(run_escalation(recording_id).claimed)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(claimed)


def test_two_concurrent_runs_alert_once_on_sqlite(
    app: Flask, telephony: FakeTelephony, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert race(app, telephony, monkeypatch) == [False, True]
    assert len(telephony.calls) == 1 and len(telephony.sms) == 1


@pytest.mark.postgres
def test_two_concurrent_runs_alert_once_on_postgresql(
    make_app: Callable[..., Flask],
    postgres_url: str,
    telephony: FakeTelephony,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pg_app = make_app(database_url=postgres_url)
    assert race(pg_app, telephony, monkeypatch) == [False, True]
    assert len(telephony.calls) == 1 and len(telephony.sms) == 1
