"""Rota pages: supervisors' calendar, rotations, overrides, swaps, reports; volunteers' shifts."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from hotline.models import Role
from hotline.web.dashboard import add_nav_item
from hotline.web.rota.routes import SUPERVISORS, bp


def init_rota_pages(app: Flask) -> None:
    """Register the rota blueprint and its header links (after the dashboard's set-up)."""
    app.register_blueprint(bp)
    add_nav_item(app, "rota.calendar", _l("Rota"), roles=SUPERVISORS)
    add_nav_item(app, "rota.swaps", _l("Swaps"), roles=SUPERVISORS)
    add_nav_item(app, "rota.coverage", _l("Coverage"), roles=SUPERVISORS)
    add_nav_item(app, "rota.fairness", _l("Fairness"), roles=SUPERVISORS)
    add_nav_item(app, "rota.mine", _l("My shifts"), roles=frozenset({Role.VOLUNTEER}))
