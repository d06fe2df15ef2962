"""Dashboard pages: each parses its input, calls one domain function and renders."""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError

from hotline import accounts, review
from hotline.db import utcnow
from hotline.extensions import db_session, limiter, settings
from hotline.models import TicketStatus
from hotline.review import Scope
from hotline.tickets import is_overdue
from hotline.web.dashboard import LANG_COOKIE, labels, paging, throttle
from hotline.web.dashboard.auth import LoginUser, login_required, safe_next, scoped, signed_in
from hotline.web.dashboard.forms import (
    LanguageForm,
    LoginForm,
    QueryForm,
    TicketFilterForm,
)

bp = Blueprint("dashboard", __name__)
bp.add_app_template_global(is_overdue, "is_overdue")

LANG_COOKIE_AGE = timedelta(days=365)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The ticket list is the dashboard's home."""
    return redirect(url_for(".tickets"))


@bp.route("/login", methods=["GET", "POST"])
@throttle.throttled
def login() -> ResponseReturnValue:
    """Sign in, then go back to the page that asked for it (if it is on this site)."""
    target = safe_next(request.args.get("next"), url_for(".index"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = accounts.authenticate(db_session(), form.username.data, form.password.data)
        if user is not None:
            login_user(LoginUser.of(user))
            return redirect(target)
        throttle.count_failure()
        failed = True
    return render_template("dashboard/login.html", form=form, failed=failed)


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out; a POST, so CSRFProtect stops other sites from signing a user out."""
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for(".login"))


@bp.post("/language")
def set_language() -> ResponseReturnValue:
    """Switch the page language; remembered in a cookie and, when signed in, on the user."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    lang = form.lang.data
    if current_user.is_authenticated:
        session = db_session()
        accounts.set_locale(session, signed_in().id, lang)
        session.commit()
    response = redirect(safe_next(form.next.data, url_for(".index")))
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=LANG_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


@bp.get("/calls")
@scoped
def calls(scope: Scope) -> ResponseReturnValue:
    """Calls, newest first."""
    form = QueryForm(request.args)
    page = None
    if form.validate():
        session = db_session()
        page = paging.existing_page(
            lambda number: review.list_calls(session, scope, number), form.page_number
        )
    return render_template("dashboard/calls.html", form=form, page=page, full=scope.everything)


@bp.get("/calls/<id:call_id>")
@scoped
def call_detail(scope: Scope, call_id: int) -> ResponseReturnValue:
    """One call: timeline, IVR path, who was rung, recordings, ticket."""
    try:
        detail = review.call_detail(db_session(), scope, call_id)
    except review.NotVisible:
        abort(403)
    if detail is None:
        abort(404)
    return render_template("dashboard/call.html", detail=detail, full=scope.everything)


@bp.get("/tickets")
@scoped
def tickets(scope: Scope) -> ResponseReturnValue:
    """Tickets, urgent first then newest, filtered by the query string."""
    session = db_session()
    form = TicketFilterForm(request.args)
    categories, communities = review.filter_choices(session)
    form.set_choices(
        statuses=[(status.value, labels.label(status)) for status in TicketStatus],
        categories=[(str(c.id), labels.category_name(c)) for c in categories],
        communities=[(str(c.id), c.name) for c in communities],
    )
    page = None
    if form.validate():
        criteria, timezone = form.criteria(), settings().timezone
        page = paging.existing_page(
            lambda number: review.list_tickets(session, scope, criteria, timezone, number),
            form.page_number,
        )
    return render_template(
        "dashboard/tickets.html", form=form, page=page, full=scope.everything, now=utcnow()
    )


@bp.get("/tickets/<number>")
@scoped
def ticket_detail(scope: Scope, number: str) -> ResponseReturnValue:
    """One ticket, as a resident would quote its number."""
    try:
        ticket = review.ticket_detail(db_session(), scope, number)
    except review.NotVisible:
        abort(403)
    if ticket is None:
        abort(404)
    return render_template(
        "dashboard/ticket.html", ticket=ticket, full=scope.everything, now=utcnow()
    )


@bp.app_template_global()
def page_url(number: int) -> str:
    """The current list's URL at another page, keeping its filters."""
    values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
    values["page"] = number
    return url_for(str(request.endpoint), **values)


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError) -> ResponseReturnValue:
    """An expired or missing token: say so and offer the way back, instead of a bare 400."""
    message = _("The form has expired. Go back, reload the page and try again.")
    return render_template("dashboard/error.html", message=message), 400


@bp.errorhandler(RateLimitExceeded)
def login_throttled(_error: RateLimitExceeded) -> ResponseReturnValue:
    """Too many failed logins: the form again, with how long to wait (no password was checked)."""
    window = throttle.WINDOW_MINUTES * 60
    limit = limiter.current_limit
    # reset_at is rounded up to the next whole second.
    seconds = min(max(1, limit.reset_at - int(time.time())), window) if limit else window
    minutes = math.ceil(seconds / 60)
    message = ngettext(
        "Too many failed logins. Try again in %(num)s minute.",
        "Too many failed logins. Try again in %(num)s minutes.",
        minutes,
    )
    page = render_template("dashboard/login.html", form=LoginForm(), throttled=message)
    return page, 429, {"Retry-After": str(seconds)}


@bp.errorhandler(403)
def forbidden(_error: Exception) -> ResponseReturnValue:
    """A page outside the user's scope."""
    return render_template(
        "dashboard/error.html", message=_("You are not allowed to see this page.")
    ), 403


@bp.errorhandler(404)
def not_found(_error: Exception) -> ResponseReturnValue:
    """A call or ticket that does not exist."""
    return render_template("dashboard/error.html", message=_("This page does not exist.")), 404
