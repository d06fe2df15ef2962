"""The audit log's page (`/audit`, administrators): filter by user, action, target and days,
page through it, download it as CSV. `here` records an entry for the signed-in user from the
request's address (for views that audit what they show or export)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Flask, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from hotline import audit
from hotline.extensions import db_session, settings
from hotline.models import Role
from hotline.web.dashboard import add_nav_item, paging
from hotline.web.dashboard.auth import login_required, signed_in
from hotline.web.dashboard.forms import QueryForm

bp = Blueprint("audit", __name__, url_prefix="/audit")
ADMINS = frozenset({Role.ADMIN})
# The CSV download's cap: the newest rows matching the filters.
MAX_EXPORT_ROWS = 100_000

ACTION_LABELS: dict[str, Any] = {
    audit.Action.LOGIN: _l("Login"),
    audit.Action.LOGIN_FAILED: _l("Failed login"),
    audit.Action.RECORDING_PLAY: _l("Recording played"),
    audit.Action.RECORDING_DOWNLOAD: _l("Recording downloaded"),
    audit.Action.RECORDING_REVIEW: _l("Recording reviewed"),
    audit.Action.RECORDING_DELETE: _l("Recording deleted"),
    audit.Action.TRANSCRIPT_VIEW: _l("Transcript viewed"),
    audit.Action.TRANSCRIPT_EDIT: _l("Transcript edited"),
    audit.Action.EXPORT: _l("Export"),
    audit.Action.USER_CREATE: _l("User created"),
    audit.Action.USER_EDIT: _l("User changed"),
    audit.Action.USER_RESET: _l("Password reset"),
    audit.Action.USER_DISABLE: _l("User disabled"),
    audit.Action.USER_ENABLE: _l("User enabled"),
    audit.Action.VOLUNTEER_CREATE: _l("Volunteer added"),
    audit.Action.VOLUNTEER_EDIT: _l("Volunteer changed"),
    audit.Action.VOLUNTEER_IMPORT: _l("Volunteers imported"),
    audit.Action.TEAM_CREATE: _l("Team added"),
    audit.Action.TEAM_EDIT: _l("Team changed"),
    audit.Action.TEAM_DELETE: _l("Team deleted"),
    audit.Action.COMMUNITY_CREATE: _l("Community added"),
    audit.Action.COMMUNITY_EDIT: _l("Community changed"),
    audit.Action.COMMUNITY_DELETE: _l("Community deleted"),
    audit.Action.CATEGORY_CREATE: _l("Category added"),
    audit.Action.CATEGORY_EDIT: _l("Category changed"),
    audit.Action.CATEGORY_DELETE: _l("Category deleted"),
    audit.Action.ONLINE_SUBMIT: _l("Web report filed"),
    audit.Action.NUMBER_BLOCK: _l("Number blocked"),
    audit.Action.NUMBER_UNBLOCK: _l("Number unblocked"),
    audit.Action.PHOTO_ADD: _l("Photo added"),
    audit.Action.PHOTO_VIEW: _l("Photo viewed"),
}


def init_audit_pages(app: Flask) -> None:
    """Register the audit blueprint and its header link (administrators)."""
    app.register_blueprint(bp)
    add_nav_item(app, "audit.index", _l("Audit log"), roles=ADMINS)
    app.add_template_filter(action_label, "audit_action")


def action_label(action: str) -> str:
    """An action's name in the page's language (the stored value for one unknown here)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def client_address() -> str:
    """The request's client address (the connection's; see README, Dashboard security)."""
    return request.remote_addr or ""


def here(session: Session, action: audit.Action, target: str, detail: str = "") -> None:
    """Audit `action` on `target` by the signed-in user (or the anonymous visitor) from this
    request's address. The caller commits."""
    user = current_user
    authenticated = bool(getattr(user, "is_authenticated", False))
    audit.record(
        session,
        user_id=user.id if authenticated else None,
        username=user.username if authenticated else "",
        action=action,
        target=target,
        address=client_address(),
        detail=detail,
    )


class AuditFilterForm(QueryForm):
    """The log's filters, every field bounded."""

    user = StringField(_l("User"), validators=[Length(max=audit.USERNAME_MAX)], default="")
    action = SelectField(_l("Action"), default="")
    target = StringField(_l("Target"), validators=[Length(max=audit.TARGET_MAX)], default="")
    date_from = DateField(_l("Since"), validators=[Optional()])
    date_to = DateField(_l("Until"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action.choices = [
            SelectChoice("", str(_l("Any"))),
            *(SelectChoice(a.value, action_label(a.value)) for a in audit.Action),
        ]

    def validate_date_to(self, field: Any) -> None:
        """The range must not end before it starts."""
        start: date | None = self.date_from.data
        if start is not None and field.data is not None and field.data < start:
            raise ValidationError(_l("The end date is before the start date."))

    def criteria(self) -> audit.AuditFilter:
        """The validated filters."""
        return audit.AuditFilter(
            username=str(self.user.data or "").strip(),
            action=self.action.data or "",
            target=str(self.target.data or "").strip(),
            date_from=self.date_from.data,
            date_to=self.date_to.data,
        )


def _admin() -> None:
    if signed_in().role not in ADMINS:
        abort(403)


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """The log, newest first, filtered by the query string."""
    _admin()
    form = AuditFilterForm(request.args)
    page = None
    if form.validate():
        session, criteria, timezone = db_session(), form.criteria(), settings().timezone
        page = paging.existing_page(
            lambda number: audit.entries(session, criteria, timezone, number), form.page_number
        )
    return render_template("audit/index.html", form=form, page=page)


@bp.get("/export.csv")
@login_required
def export_csv() -> ResponseReturnValue:
    """The entries matching the filters as CSV (newest first, at most MAX_EXPORT_ROWS); the
    download is itself audited."""
    from hotline.web.kpi.routes import _csv as csv_download  # the KPI's CSV-safe writer

    _admin()
    form = AuditFilterForm(request.args)
    if not form.validate():
        abort(400)
    session, criteria = db_session(), form.criteria()
    rows = audit.export(session, criteria, settings().timezone, MAX_EXPORT_ROWS)
    here(session, audit.Action.EXPORT, "export:audit", request.query_string.decode()[:500])
    session.commit()
    header = [_("Time"), _("User"), _("Action"), _("Target"), _("Address"), _("Detail")]
    lines = [
        [e.at.isoformat(timespec="seconds"), e.username, e.action, e.target, e.address, e.detail]
        for e in rows
    ]
    return csv_download([header, *lines], "audit.csv")
