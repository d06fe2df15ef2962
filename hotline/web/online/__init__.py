"""The residents' public page (`/r`, `routes`) and the supervisors' page of blocked numbers
(`/blocked-numbers`, `blocking`)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from hotline.web.dashboard import add_nav_item


def init_online_pages(app: Flask) -> None:
    """Register the public page and the blocked numbers' page (supervisors' header link)."""
    from hotline.web.online import blocking, routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(blocking.bp)
    # Before CSRFProtect's check, which reads the request's form.
    app.before_request_funcs.setdefault(None, []).insert(0, routes.bound_request_size)
    add_nav_item(app, "blocking.index", _l("Blocked numbers"), roles=blocking.SUPERVISORS)
