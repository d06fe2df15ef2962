"""Operations endpoints: `/healthz` (the process answers), `/readyz` (the database and the
broker answer; beat's and the workers' heartbeats), `/metrics` (Prometheus); and the trusted
reverse proxies (HOTLINE_PROXY_HOPS)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.middleware.proxy_fix import ProxyFix

from hotline.extensions import csrf, database, now, settings
from hotline.ops import health

bp = Blueprint("ops", __name__)


def init_ops(app: Flask) -> None:
    """Register the operations endpoints and trust the configured proxy hops."""
    app.register_blueprint(bp)
    csrf.exempt(bp)
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
