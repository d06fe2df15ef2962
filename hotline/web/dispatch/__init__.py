"""Talent pool pages: technicians (list with open load, create, edit, deactivate, CSV import)
and the ticket page's assign panel. Each page parses its input, calls hotline.dispatch,
commits and renders or redirects; an assignment then queues the technician's SMS."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from hotline.extensions import csrf
from hotline.web.dashboard import add_nav_item
from hotline.web.rota import SUPERVISORS

bp = Blueprint("dispatch", __name__)


def init_dispatch_pages(app: Flask) -> None:
    """Register the talent pool pages, their header link, and the carrier's SMS webhook."""
    # Importing the page module adds its routes to bp; it must happen before registering.
    from hotline.web.dispatch import routes  # noqa: F401
    from hotline.web.sms.routes import bp as sms_bp

    app.register_blueprint(bp)
    app.register_blueprint(sms_bp)
    # The carrier proves itself with the Twilio signature, not a CSRF token.
    csrf.exempt(sms_bp)
    add_nav_item(app, "dispatch.technicians", _l("Technicians"), roles=SUPERVISORS)
