"""Rota pages: supervisors' calendar, rotations, overrides, swaps, reports; volunteers' shifts.

The blueprint and what its pages share live here; the supervisors' pages are in routes.py,
the volunteers' (their shifts, swaps, leave and calendar feed) in volunteers.py. Each page
parses its input, calls the rota domain, commits and renders or redirects.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import ParamSpec
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hotline import rota
from hotline.extensions import db_session, now, settings
from hotline.models import Role
from hotline.rota.cadence import first_instant
from hotline.web.dashboard import add_nav_item
from hotline.web.dashboard.auth import login_required, signed_in
from hotline.web.rota.forms import WEEKDAYS, ActionForm, LeaveForm

bp = Blueprint("rota", __name__, url_prefix="/rota")

P = ParamSpec("P")
SUPERVISORS = frozenset({Role.ADMIN, Role.SUPERVISOR})


def init_rota_pages(app: Flask) -> None:
    """Register the rota blueprint and its header links (after the dashboard's set-up)."""
    # Importing the page modules adds their routes to bp; it must happen before registering.
    from hotline.web.rota import people, routes, volunteers  # noqa: F401

    app.register_blueprint(bp)
    add_nav_item(app, "rota.calendar", _l("Rota"), roles=SUPERVISORS)
    add_nav_item(app, "rota.swaps", _l("Swaps"), roles=SUPERVISORS)
    add_nav_item(app, "rota.coverage", _l("Coverage"), roles=SUPERVISORS)
    add_nav_item(app, "rota.fairness", _l("Fairness"), roles=SUPERVISORS)
    add_nav_item(app, "rota.mine", _l("My shifts"), roles=frozenset({Role.VOLUNTEER}))


def supervisors_only(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
    """Require a signed-in administrator or supervisor."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        if signed_in().role not in SUPERVISORS:
            abort(403)
        return view(*args, **kwargs)

    return login_required(wrapper)


def volunteer() -> int:
    """The signed-in user's volunteer id; 403 for a login not linked to a volunteer."""
    volunteer_id = signed_in().volunteer_id
    if volunteer_id is None:
        abort(403)
    return volunteer_id


def local_zone() -> ZoneInfo:
    """The line's time zone, in which forms are filled in and pages are shown."""
    return ZoneInfo(settings().timezone)


def to_instant(local: datetime | None) -> datetime | None:
    """A local time typed into a form as an instant."""
    return None if local is None else first_instant(local, local_zone())


def flash_refusal(error: rota.RotaError) -> None:
    """Show why a rota change was refused, in the page's language."""
    flash(_(error.message, **error.params), "error")


@bp.app_template_filter("weekdays")
def weekday_names(mask: int) -> str:
    """The names of the weekdays in a rotation's weekday mask, in the page's language."""
    return " ".join(str(choice.label) for n, choice in enumerate(WEEKDAYS) if mask >> n & 1)


def run_action(done: Callable[[], object], message: str, back: str) -> ResponseReturnValue:
    """Run one rota change from a POSTed button, commit, and go back to `back`."""
    if not ActionForm().validate_on_submit():
        abort(400)
    session = db_session()
    try:
        done()
    except rota.RotaError as error:
        session.rollback()
        flash_refusal(error)
    else:
        session.commit()
        flash(message, "info")
    return redirect(url_for(back))


def record_leave(form: LeaveForm, volunteer_id: Callable[[Session], int]) -> bool:
    """Record the form's leave for `volunteer_id(session)` and commit; False if refused."""
    session = db_session()
    try:
        clash = rota.take_leave(
            session,
            volunteer_id=volunteer_id(session),
            starts_at=first_instant(form.starts.data, local_zone()),
            ends_at=first_instant(form.ends.data, local_zone()),
            now=now(),
            reason=form.reason.data or "",
        )
    except rota.RotaError as error:
        session.rollback()
        flash_refusal(error)
        return False
    session.commit()
    if clash.dropped:
        flash(_("Leave recorded. It empties scheduled shifts: see the warning below."), "warning")
    else:
        flash(_("Leave recorded."), "info")
    return True
