"""/healthz and /readyz: status codes and JSON bodies with the database or the broker down,
beat stale, workers with and without a speech model; the heartbeats workers and beat write."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import utcnow
from hotline.extensions import Database
from hotline.models import Heartbeat
from hotline.ops import health
from hotline.tasks import ops


def beat(session: Session, name: str, role: str, age_s: float, **facts: object) -> None:
    session.add(
        Heartbeat(name=name, role=role, seen_at=utcnow() - timedelta(seconds=age_s), **facts)
    )
    session.commit()


def readyz(client: FlaskClient, query: str = "") -> tuple[int, dict[str, Any]]:
    """/readyz's status code and body."""
    response = client.get("/readyz" + query)
    return response.status_code, response.get_json()


def test_healthz_answers_without_the_database(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    down = create_engine(f"postgresql+psycopg://hotline@127.0.0.1:{closed_port}/hotline")
    monkeypatch.setitem(app.extensions, "hotline.db", Database(down, sessionmaker(down)))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ready_when_database_and_broker_answer(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready" and body["problems"] == []
    assert body["database"] == {"ok": True} and body["broker"] == {"ok": True}


def test_readyz_is_unavailable_when_the_database_is_down(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    down = create_engine(f"postgresql+psycopg://hotline@127.0.0.1:{closed_port}/hotline")
    monkeypatch.setitem(app.extensions, "hotline.db", Database(down, sessionmaker(down)))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["problems"] == ["database"]
    # The error's class only: a driver's message may carry the URL and its password.
    assert body["database"] == {"ok": False, "detail": "OperationalError"}
    assert body["broker"] == {"ok": True} and body["workers"] == [] and body["beat"] is None


def test_readyz_is_unavailable_when_the_broker_is_unreachable(
    make_app: Callable[..., Flask], closed_port: int
) -> None:
    app = make_app(broker_url=f"redis://127.0.0.1:{closed_port}/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["problems"] == ["broker"] and body["database"] == {"ok": True}
    assert body["broker"]["ok"] is False and body["broker"]["detail"]


def test_a_probe_that_hangs_fails_at_its_time_limit() -> None:
    release = threading.Event()
    with pytest.raises(health.ProbeFailed, match="no answer within 0.05 s"):
        health.probe(lambda: release.wait(), 0.05)
    release.set()


def test_stale_beat_is_reported_and_fails_only_strict_readiness(
    client: FlaskClient, session: Session
) -> None:
    beat(session, "beat@a:1", health.BEAT, 600)
    beat(session, "celery@w:7", health.WORKER, 5, model_loaded=True, model_language="zh")
    status, body = readyz(client)
    assert status == 200
    assert body["beat"] == {"last_job_age_s": pytest.approx(600, abs=5), "stale": True}
    status, body = readyz(client, "?strict=1")
    assert (status, body["problems"]) == (503, ["beat"])


def test_strict_readiness_wants_a_fresh_worker_with_a_speech_model(
    client: FlaskClient, session: Session
) -> None:
    beat(session, "beat@a:1", health.BEAT, 3)
    beat(session, "celery@w:7", health.WORKER, 5)
    beat(session, "celery@old:9", health.WORKER, 3600, model_loaded=True, model_language="zh")
    status, body = readyz(client, "?strict=1")
    assert (status, body["problems"]) == (503, ["speech model"])
    assert [(w["name"], w["stale"], w["model_loaded"]) for w in body["workers"]] == [
        ("celery@old:9", True, True),
        ("celery@w:7", False, False),
    ]
    beat(session, "celery@t:8", health.WORKER, 1, model_loaded=True, model_language="zh")
    assert readyz(client, "?strict=1")[0] == 200


def test_strict_readiness_without_any_worker(client: FlaskClient, session: Session) -> None:
    beat(session, "beat@a:1", health.BEAT, 3)
    status, body = readyz(client, "?strict=1")
    assert (status, body["problems"]) == (503, ["workers"])


def test_a_transcription_workers_heartbeat_loads_and_reports_the_model(
    app: Flask, session: Session
) -> None:
    assert ops.worker_heartbeat("celery@t:8", True) == 30
    assert ops.worker_heartbeat("celery@d:9", False) == 30
    rows = {row.name: row for row in session.scalars(select(Heartbeat))}
    assert rows["celery@t:8"].role == "worker" and rows["celery@t:8"].model_loaded is True
    assert rows["celery@t:8"].model_language == "ko"  # the development model
    assert rows["celery@d:9"].model_loaded is False and rows["celery@d:9"].model_language == ""


def test_a_heartbeat_replaces_its_row_and_forgets_processes_gone_for_a_day(
    session: Session,
) -> None:
    beat(session, "celery@gone:1", health.WORKER, 2 * 86400)
    health.record_heartbeat(session, "celery@w:2", health.WORKER, utcnow() - timedelta(minutes=5))
    health.record_heartbeat(session, "celery@w:2", health.WORKER, utcnow(), model_loaded=True)
    rows = session.scalars(select(Heartbeat)).all()
    assert [(r.name, r.model_loaded) for r in rows] == [("celery@w:2", True)]
    assert utcnow() - rows[0].seen_at < timedelta(minutes=1)
