"""/metrics: protected by a bearer token, parsed with prometheus_client's parser; the webhook,
SMS and job metrics move when those happen, and the line's gauges read the database."""

from __future__ import annotations

import dataclasses
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline import extensions
from hotline.db import utcnow
from hotline.models import CallOutcome, RecordingStatus, TicketStatus
from hotline.ops import health
from hotline.ops.gauges import failure_reason
from hotline.tasks import ops
from hotline.telephony import FakeTelephony, TelephonyError
from tests import factories
from tests.factories import CallFactory, RecordingFactory, TicketFactory

TOKEN = "metrics-token-0123"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    """Every sample of an exposition by (name, sorted labels)."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.fixture
def scrape(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], Samples]:
    """Scrape the test app's /metrics with the configured token."""
    config = dataclasses.replace(app.extensions["hotline.settings"], metrics_token=TOKEN)
    monkeypatch.setitem(app.extensions, "hotline.settings", config)

    def get() -> Samples:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        assert response.content_type.startswith("text/plain; version=0.0.4")
        return parse(response.get_data(as_text=True))

    return get


def test_metrics_answer_404_without_a_token_configured(client: FlaskClient) -> None:
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN, "Bearer 令牌"])
def test_metrics_want_the_bearer_token(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, header: str | None
) -> None:
    config = dataclasses.replace(app.extensions["hotline.settings"], metrics_token=TOKEN)
    monkeypatch.setitem(app.extensions, "hotline.settings", config)
    response = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_the_line_gauges_count_calls_tickets_recordings_and_heartbeats(
    session: Session, scrape: Callable[[], Samples]
) -> None:
    now = utcnow()
    voicemail = CallFactory(outcome=CallOutcome.VOICEMAIL)
    CallFactory(outcome=CallOutcome.ABANDONED)
    CallFactory(outcome=CallOutcome.ANSWERED, started_at=now - timedelta(days=2))  # too old
    TicketFactory(status=TicketStatus.OPEN, due_at=now - timedelta(hours=1))  # overdue
    TicketFactory(status=TicketStatus.ASSIGNED, due_at=now + timedelta(hours=1))
    TicketFactory(status=TicketStatus.RESOLVED, due_at=now - timedelta(hours=1))
    RecordingFactory(call=voicemail, status=RecordingStatus.AWAITING_MODEL)
    RecordingFactory(
        call=voicemail, status=RecordingStatus.DOWNLOADED, created_at=now - timedelta(minutes=5)
    )
    RecordingFactory(
        call=voicemail, status=RecordingStatus.FAILED, failure_reason="download refused: 403"
    )
    session.commit()
    samples = scrape()
    assert samples[("hotline_calls_last_day", (("outcome", "voicemail"),))] == 1
    assert samples[("hotline_calls_last_day", (("outcome", "abandoned"),))] == 1
    assert samples[("hotline_calls_last_day", (("outcome", "answered"),))] == 0
    assert samples[("hotline_tickets", (("status", "open"),))] == 1
    assert samples[("hotline_tickets", (("status", "assigned"),))] == 1
    assert ("hotline_tickets", (("status", "resolved"),)) not in samples
    assert samples[("hotline_tickets_overdue", ())] == 1
    assert samples[("hotline_transcription_backlog", ())] == 1
    assert samples[("hotline_transcription_oldest_seconds", ())] == pytest.approx(300, abs=30)
    assert samples[("hotline_recordings_awaiting_model", ())] == 1
    reason = (("reason", "download refused"),)
    assert samples[("hotline_transcription_failures_last_day", reason)] == 1
    assert samples[("hotline_worker_processes", (("model_loaded", "true"),))] == 0
    assert ("hotline_beat_last_job_age_seconds", ()) not in samples  # beat never ran


def test_a_webhook_is_timed_per_route(
    scrape: Callable[[], Samples], twilio_post: Callable[..., TestResponse]
) -> None:
    route = (("route", "/voice/incoming"),)
    before = scrape()
    response = twilio_post(
        "/voice/incoming", {"CallSid": "CA" + "7" * 32, "From": "+8613800000007"}
    )
    assert response.status_code == 200
    after = scrape()
    count = ("hotline_webhook_seconds_count", route)
    assert after[count] == before.get(count, 0) + 1
    answered = (
        "hotline_webhook_responses_total",
        (("route", "/voice/incoming"), ("status", "200")),
    )
    assert after[answered] == before.get(answered, 0) + 1
    assert ("hotline_webhook_seconds_bucket", (("le", "0.05"), *route)) in after


def test_sms_are_counted_sent_and_failed(
    make_app: Callable[..., Flask], telephony: FakeTelephony
) -> None:
    app = make_app(metrics_token=TOKEN)
    client = app.test_client()

    def sms(result: str) -> float:
        text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(
            as_text=True
        )
        return parse(text).get(("hotline_sms_total", (("result", result),)), 0)

    sent, failed = sms("sent"), sms("failed")
    with app.app_context():
        extensions.telephony().send_sms("+8613800000001", "你好")
        telephony.fail_sms = True
        with pytest.raises(TelephonyError, match="refused"):
            extensions.telephony().send_sms("+8613800000001", "你好")
    assert (sms("sent"), sms("failed")) == (sent + 1, failed + 1)
    assert telephony.sms == [("+8613800000001", "你好")]


def test_jobs_are_timed_and_their_failures_counted_by_reason(
    app: Flask, scrape: Callable[[], Samples]
) -> None:
    task = (("task", "hotline.tasks.ops.exporter_settings"),)
    before = scrape()
    ops.exporter_settings.apply()
    ops.exporter_settings.apply(args=("unexpected",))  # raises TypeError in the job
    after = scrape()
    count = ("hotline_job_seconds_count", task)
    assert after[count] == before.get(count, 0) + 2
    failed = ("hotline_job_failures_total", (("reason", "TypeError"), *task))
    assert after[failed] == before.get(failed, 0) + 1


def test_the_worker_serves_its_metrics_to_the_bearer(closed_port: int) -> None:
    server = ops._serve_metrics(f"127.0.0.1:{closed_port}", TOKEN)
    url = f"http://127.0.0.1:{closed_port}/metrics"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=5)
    assert refused.value.code == 401
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        names = {f.name for f in text_string_to_metric_families(response.read().decode())}
    assert {"hotline_job_seconds", "hotline_job_failures", "hotline_sms"} <= names
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("detail", "reason"),
    [
        ("download refused: 403 Forbidden for https://x/y", "download refused"),
        ("gave up after 7 attempts", "gave up"),
        ("audio unreadable: not a WAV", "audio unreadable"),
        ("download: timed out; gave up retrying", "download"),
        ("", "unknown"),
    ],
)
def test_failure_reasons_become_a_few_labels(detail: str, reason: str) -> None:
    assert failure_reason(detail) == reason


def test_proxy_hops_trust_the_proxys_forwarded_address(make_app: Callable[..., Flask]) -> None:
    def client_address(app: Flask) -> str:
        app.add_url_rule("/test-address", "test_address", lambda: str(request.remote_addr))
        client = app.test_client()
        headers = {"X-Forwarded-For": "203.0.113.7, 198.51.100.2"}
        return client.get("/test-address", headers=headers).get_data(as_text=True)

    assert client_address(make_app()) == "127.0.0.1"
    assert client_address(make_app(proxy_hops=1)) == "198.51.100.2"
    assert client_address(make_app(proxy_hops=2)) == "203.0.113.7"


@pytest.mark.postgres
def test_the_gauges_and_heartbeats_on_postgresql(
    make_app: Callable[..., Flask], postgres_url: str
) -> None:
    app = make_app(database_url=postgres_url, metrics_token=TOKEN)
    now = utcnow()
    with app.extensions["hotline.db"].sessions() as session, factories.bound(session):
        call = CallFactory(outcome=CallOutcome.VOICEMAIL)
        TicketFactory(call=call, status=TicketStatus.OPEN, due_at=now - timedelta(hours=1))
        RecordingFactory(
            call=call, status=RecordingStatus.FAILED, failure_reason="gave up after 7 attempts"
        )
        health.record_heartbeat(session, "celery@pg:1", health.WORKER, now - timedelta(minutes=5))
        health.record_heartbeat(session, "celery@pg:1", health.WORKER, now, model_loaded=True)
        session.commit()
    client = app.test_client()
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(
        as_text=True
    )
    samples = parse(text)
    assert samples[("hotline_calls_last_day", (("outcome", "voicemail"),))] == 1
    assert samples[("hotline_tickets_overdue", ())] == 1
    assert samples[("hotline_transcription_failures_last_day", (("reason", "gave up"),))] == 1
    assert samples[("hotline_worker_processes", (("model_loaded", "true"),))] == 1
    body = client.get("/readyz?strict=1").get_json()
    assert body["database"] == {"ok": True} and body["problems"] == ["beat"]
