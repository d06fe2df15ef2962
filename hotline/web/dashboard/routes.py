"""Dashboard pages: each parses its input, calls one domain function and renders."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
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

from hotline import accounts, audit, review
from hotline.audit import Action
from hotline.extensions import db_session, limiter, now, settings
from hotline.models import Category, Community, Priority, Ticket, TicketStatus
from hotline.review import Scope, home
from hotline.tickets import is_overdue, offered_categories, workflow
from hotline.web.audit import client_address
from hotline.web.audit import here as audit_here
from hotline.web.dashboard import LANG_COOKIE, labels, paging, throttle
from hotline.web.dashboard.auth import LoginUser, login_required, safe_next, scoped, signed_in
from hotline.web.dashboard.forms import (
    LanguageForm,
    LoginForm,
    NoteForm,
    QueryForm,
    StatusForm,
    TicketDetailsForm,
    TicketFilterForm,
)

bp = Blueprint("dashboard", __name__)
bp.add_app_template_global(is_overdue, "is_overdue")
bp.add_app_template_filter(labels.field_label, "field_label")
bp.add_app_template_filter(labels.change_value, "change_value")


@bp.app_template_filter("assignee")
def assignee(ticket: Ticket) -> str:
    """Who a ticket is assigned to (a technician or a volunteer), "—" for nobody."""
    return workflow.assignee_name(ticket) or "—"


LANG_COOKIE_AGE = timedelta(days=365)


@bp.get("/")
@scoped
def index(scope: Scope) -> ResponseReturnValue:
    """Home: today at a glance for supervisors; a volunteer's next shift, calls and swaps."""
    from hotline.web.kpi import charts  # the KPI page's SVG geometry, reused

    session, at = db_session(), now()
    if not scope.everything:
        return render_template(
            "dashboard/home.html", today=None, mine=home.mine(session, scope, at), scope=scope
        )
    today = home.today(session, at, settings().timezone)

    def whole(values: list[int]) -> int:
        # Counts: a top that is a multiple of the chart's 4 grid steps keeps the ticks whole.
        return max(4, -(-max(values, default=0) // 4) * 4)

    hours = charts.columns(
        [
            (str(hour) if hour % 3 == 0 else "", count, str(count) if count else "")
            for hour, count in enumerate(today.calls_per_hour)
        ],
        maximum=whole(today.calls_per_hour),
    )
    shown = today.by_category[:8]
    categories = charts.columns(
        [(labels.category_name(c) if c else _("No category"), n, str(n)) for c, n in shown],
        maximum=whole([n for _c, n in shown]),
    )
    return render_template(
        "dashboard/home.html",
        today=today,
        mine=None,
        scope=scope,
        hours_chart=hours,
        category_chart=categories,
        now=at,
    )


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """The icon, for browsers that ask for /favicon.ico whatever the page links."""
    return current_app.send_static_file("favicon.svg")


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
        session = db_session()
        user = accounts.authenticate(session, form.username.data, form.password.data)
        if user is not None:
            login_user(LoginUser.of(user))
            audit_here(session, Action.LOGIN, f"user:{user.id}")
            session.commit()
            return redirect(target)
        throttle.count_failure()
        # The name as typed (the form bounds it); no user id, even for a known name.
        audit.record(
            session,
            user_id=None,
            username=form.username.data or "",
            action=Action.LOGIN_FAILED,
            address=client_address(),
        )
        session.commit()
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
    return render_template(
        "dashboard/calls.html", form=form, page=page, full=scope.everything, scope=scope
    )


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
    return render_template("dashboard/call.html", detail=detail, full=scope.everything, scope=scope)


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
        "dashboard/tickets.html",
        form=form,
        page=page,
        full=scope.everything,
        scope=scope,
        now=now(),
        offer_mine=scope.volunteer_id is not None,
    )


@bp.get("/tickets/<number>")
@scoped
def ticket_detail(scope: Scope, number: str) -> ResponseReturnValue:
    """One ticket, as a resident would quote its number: its facts, timeline and actions."""
    return _ticket_page(scope, number)


def _ticket_page(
    scope: Scope,
    number: str,
    details_form: TicketDetailsForm | None = None,
    note_form: NoteForm | None = None,
    status_form: StatusForm | None = None,
    code: int = 200,
) -> ResponseReturnValue:
    """The ticket page, with the forms given (a POST's, showing its errors) or fresh ones."""
    session = db_session()
    try:
        detail = review.ticket_detail(session, scope, number)
    except review.NotVisible:
        abort(403)
    if detail is None:
        abort(404)
    ticket = detail.ticket
    if ticket.transcript_text:
        # The page shows the voicemail's transcript: audited like the review page's view.
        target = f"recording:{ticket.recording_id}" if ticket.recording_id else ""
        audit_here(session, Action.TRANSCRIPT_VIEW, target, f"ticket {ticket.number}")
        session.commit()
    if details_form is None:
        details_form = TicketDetailsForm(
            formdata=None,
            community=str(ticket.community_id or ""),
            address=ticket.address,
            category=str(ticket.category_id or ""),
            priority=ticket.priority.value,
            resident_name=ticket.resident.name if ticket.resident else "",
        )
    _detail_choices(details_form, ticket)
    status_form = status_form or StatusForm(
        formdata=None, status=workflow.USUAL_NEXT[ticket.status].value
    )
    status_form.set_choices([(s.value, labels.label(s)) for s in detail.next_statuses])
    page = render_template(
        "dashboard/ticket.html",
        detail=detail,
        ticket=ticket,
        full=scope.everything,
        scope=scope,
        now=now(),
        details_form=details_form,
        note_form=note_form or NoteForm(formdata=None),
        status_form=status_form,
    )
    return page, code


def _detail_choices(form: TicketDetailsForm, ticket: Ticket) -> None:
    session = db_session()
    _, communities = review.filter_choices(session)
    # Retired categories are offered nowhere new; a ticket keeps the one it has.
    categories = offered_categories(session, keep=[ticket.category_id])
    form.set_choices(
        communities=[(str(c.id), c.name) for c in communities],
        categories=[(str(c.id), labels.category_name(c)) for c in categories],
    )


def _ticket_to_change(scope: Scope, number: str) -> Ticket:
    """The ticket a POST changes: 404 if none, 403 outside the user's scope."""
    try:
        ticket = review.visible_ticket(db_session(), scope, number)
    except review.NotVisible:
        abort(403)
    if ticket is None:
        abort(404)
    return ticket


def _actor() -> workflow.Actor:
    user = signed_in()
    return workflow.Actor(user.display_name or user.username, user_id=user.id)


def _change(number: str, done: Callable[[], object], message: str) -> ResponseReturnValue:
    """Run one ticket change, commit and go back to the ticket; a refusal changes nothing."""
    session = db_session()
    try:
        done()
    except workflow.TicketError as error:
        session.rollback()
        flash(_(error.message, **labels.refusal_params(error.params)), "error")
    else:
        session.commit()
        flash(message, "info")
    return redirect(url_for(".ticket_detail", number=number))


@bp.post("/tickets/<number>/details")
@scoped
def ticket_details(scope: Scope, number: str) -> ResponseReturnValue:
    """Change the ticket's community, address, category, priority or resident's name."""
    if not scope.edits_details:
        abort(403)
    session = db_session()
    ticket = _ticket_to_change(scope, number)
    form = TicketDetailsForm()
    _detail_choices(form, ticket)
    if not form.validate_on_submit():
        return _ticket_page(scope, number, details_form=form, code=400)
    community = session.get(Community, form.community_id) if form.community_id else None
    category = session.get(Category, form.category_id) if form.category_id else None
    details = workflow.Details(
        community=community,
        address=form.address.data or "",
        category=category,
        priority=Priority(form.priority.data),
        resident_name=form.resident_name.data or "",
    )
    return _change(
        number,
        lambda: workflow.update_details(
            session,
            ticket,
            details,
            _actor(),
            now(),
            default_sla_hours=settings().ticket_sla_hours,
        ),
        _("Ticket details saved."),
    )


@bp.post("/tickets/<number>/notes")
@scoped
def ticket_note(scope: Scope, number: str) -> ResponseReturnValue:
    """Add a note to the ticket's timeline."""
    ticket = _ticket_to_change(scope, number)
    form = NoteForm()
    if not form.validate_on_submit():
        return _ticket_page(scope, number, note_form=form, code=400)
    session = db_session()
    note = form.note.data or ""
    return _change(
        number,
        lambda: workflow.add_note(session, ticket, _actor(), now(), note),
        _("Note added."),
    )


@bp.post("/tickets/<number>/status")
@scoped
def ticket_status(scope: Scope, number: str) -> ResponseReturnValue:
    """Move the ticket to another status (the rules decide which), with a note."""
    ticket = _ticket_to_change(scope, number)
    form = StatusForm()
    # Any status is accepted here so a page gone stale (the ticket moved meanwhile) hears the
    # rules' reason rather than "not a valid choice"; the page offers only the legal ones.
    form.set_choices([(s.value, labels.label(s)) for s in TicketStatus])
    if not form.validate_on_submit():
        return _ticket_page(scope, number, status_form=form, code=400)
    session = db_session()
    to, note = TicketStatus(form.status.data), form.note.data or ""
    return _change(
        number,
        lambda: workflow.change_status(session, ticket, to, _actor(), now(), note),
        _("Status changed to %(status)s.", status=labels.label(to)),
    )


@bp.app_template_global()
def page_url(number: int) -> str:
    """The current list's URL at another page, keeping its filters."""
    values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
    values["page"] = number
    return url_for(str(request.endpoint), **values)


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
