"""The KPI pages: the county's promise measured (charts and tables), CSV exports, and the
clock's alerts (a count in the header of every supervisor's page, and their list)."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hotline.extensions import db_session
from hotline.models import Role
from hotline.tickets import clock
from hotline.web.dashboard import add_nav_item

bp = Blueprint("kpi", __name__, url_prefix="/kpi")
SUPERVISORS = frozenset({Role.ADMIN, Role.SUPERVISOR})


def init_kpi_pages(app: Flask) -> None:
    """Register the KPI blueprint, its header link and the alert count (after the dashboard)."""
    from hotline.web.kpi import routes  # noqa: F401  (adds the routes to bp)

    app.register_blueprint(bp)
    add_nav_item(app, "kpi.index", _l("KPI"), roles=SUPERVISORS)
    app.context_processor(_sla_alerts)


def _sla_alerts() -> dict[str, object]:
    """`sla_alerts` for the header: open tickets warned or past due (supervisors only)."""
    if not current_user.is_authenticated or current_user.role not in SUPERVISORS:
        return {"sla_alerts": None}
    counts = clock.alert_counts(db_session())
    return {"sla_alerts": counts if counts.total else None}
