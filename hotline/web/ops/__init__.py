"""Operations endpoints: `/healthz` (the process answers), `/readyz` (the database and the
broker answer; beat's and the workers' heartbeats), `/metrics` (Prometheus, for the bearer of
HOTLINE_METRICS_TOKEN); the webhooks' timing; and the trusted reverse proxies
(HOTLINE_PROXY_HOPS)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

from flask import Blueprint, Flask, Response, abort, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from hotline import logs, metrics
from hotline.extensions import csrf, database, db_session, now, settings
from hotline.ops import gauges, health, logcontext
from hotline.web.voice.params import FIELD_LENGTHS

bp = Blueprint("ops", __name__)
# The carrier's webhooks, timed per route.
WEBHOOK_BLUEPRINTS = frozenset({"voice", "sms"})


def init_ops(app: Flask) -> None:
    """Register the operations endpoints and trust the configured proxy hops."""
    app.register_blueprint(bp)
    csrf.exempt(bp)
    app.before_request(_start_webhook_timer)
    app.after_request(_observe_webhook)
    logcontext.follow_new_rows()
    app.before_request(_bind_call)
    app.teardown_request(_unbind_call)
    hops = app.extensions["hotline.settings"].proxy_hops
    if hops:
        # The client's address (login throttling, the audit log) and https come from the
        # proxies' X-Forwarded-For and X-Forwarded-Proto, trusting exactly `hops` of them; the
        # webhook signatures are checked against HOTLINE_PUBLIC_BASE_URL either way.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Liveness: the process answers (no database or broker involved)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Readiness: 200 when the database and the broker answer, else 503; `?strict=1` also
    wants beat, a worker and a speech model fresh (drills, monitoring)."""
    config = settings()
    celery = current_app.extensions["celery"]

    def ping_broker() -> None:
        with celery.connection_for_write() as connection:
            connection.connect()

    verdict = health.check(
        database().sessions,
        ping_broker,
        now(),
        timeout_s=config.health_timeout_s,
        stale_after=timedelta(seconds=config.health_stale_after_s),
        strict=request.args.get("strict") == "1",
    )
    return jsonify(verdict.as_json()), 200 if verdict.ready else 503


def _bind_call() -> None:
    """Log a voice webhook's lines with its call SID and the call's ticket."""
    if request.blueprint != "voice":
        return
    sid = request.form.get("CallSid", "")
    if not sid or len(sid) > FIELD_LENGTHS["CallSid"]:
        return
    session = db_session()
    try:
        call_id, ticket = logcontext.call_context(session, sid)
    except SQLAlchemyError:  # the webhook itself answers the caller whatever the database does
        session.rollback()
        call_id, ticket = None, ""
    context = logs.bound(call_sid=sid, call_id=call_id, ticket=ticket)
    context.__enter__()
    g.log_context = context


def _unbind_call(_exc: BaseException | None) -> None:
    context = g.pop("log_context", None)
    if context is not None:
        context.__exit__(None, None, None)


def _start_webhook_timer() -> None:
    if request.blueprint in WEBHOOK_BLUEPRINTS:
        g.webhook_started = time.perf_counter()


def _observe_webhook(response: Response) -> Response:
    started: float | None = g.pop("webhook_started", None)
    if started is not None and request.url_rule is not None:
        route = request.url_rule.rule
        metrics.WEBHOOK_SECONDS.labels(route).observe(time.perf_counter() - started)
        metrics.WEBHOOK_RESPONSES.labels(route, str(response.status_code)).inc()
    return response


@bp.get("/metrics")
def prometheus_metrics() -> ResponseReturnValue:
    """Prometheus metrics: this node's processes, then the line's state from the database.
    404 unless HOTLINE_METRICS_TOKEN is set; 401 without that bearer token."""
    config = settings()
    if not config.metrics_token:
        abort(404)
    if not metrics.authorized(request.headers.get("Authorization"), config.metrics_token):
        return Response("bearer token required\n", 401, {"WWW-Authenticate": "Bearer"})
    session, at = db_session(), now()
    stale_after = timedelta(seconds=config.health_stale_after_s)

    def families() -> Iterator[GaugeMetricFamily]:
        for gauge in gauges.line_gauges(session, at, stale_after):
            family = GaugeMetricFamily(gauge.name, gauge.help, labels=gauge.labels)
            for labels, value in gauge.samples:
                family.add_metric(labels, value)
            yield family

    body = metrics.exposition(families)
    session.rollback()
    return Response(body, 200, {"Content-Type": metrics.CONTENT_TYPE})
