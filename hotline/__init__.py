"""The hotline: a 24-hour community service line (IVR, rota, voicemail transcription, tickets)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime

from flask import Flask

from hotline import logs
from hotline.db import utcnow
from hotline.settings import Settings
from hotline.telephony import Telephony


def create_app(
    settings: Settings | None = None,
    *,
    telephony: Telephony | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Flask:
    """Build the Flask app. No I/O here: migrations and checks belong to the CLI.

    `telephony` replaces the carrier's REST API and `clock` the wall clock (tests, simulator).
    """
    from hotline import commands, extensions
    from hotline.celery_app import celery_init_app
    from hotline.web.admin import init_admin_pages
    from hotline.web.audit import init_audit_pages
    from hotline.web.dashboard import init_dashboard
    from hotline.web.dispatch import init_dispatch_pages
    from hotline.web.headers import init_security_headers
    from hotline.web.ivr import init_ivr_pages
    from hotline.web.kpi import init_kpi_pages
    from hotline.web.online import init_online_pages
    from hotline.web.ops import init_ops
    from hotline.web.photos import init_photo_pages
    from hotline.web.review import init_review_pages
    from hotline.web.rota import init_rota_pages
    from hotline.web.search import init_search_pages
    from hotline.web.transcription import init_model_banner
    from hotline.web.voice import alerts  # noqa: F401  (the alert call's routes join voice_bp)
    from hotline.web.voice.routes import bp as voice_bp

    settings = settings or Settings.from_env(os.environ)
    logs.configure(settings.log_level, settings.log_format)

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
    )
    app.extensions["hotline.settings"] = settings
    extensions.init_database(app, settings)
    extensions.init_telephony(app, settings, telephony)
    app.extensions["hotline.clock"] = clock or utcnow
    celery_init_app(app, settings)
    init_security_headers(app, settings.public_base_url)
    app.register_blueprint(voice_bp)
    init_dashboard(app)
    init_rota_pages(app)
    init_search_pages(app)
    init_kpi_pages(app)
    init_review_pages(app)
    init_dispatch_pages(app)
    init_audit_pages(app)
    init_admin_pages(app)
    init_ops(app)
    init_online_pages(app)
    init_photo_pages(app)
    init_ivr_pages(app)
    init_model_banner(app)
    commands.init_app(app)
    return app
