"""Rota pages: each parses its input, calls the rota domain, commits and renders or redirects."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import wraps
from typing import ParamSpec
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from hotline import rota
from hotline.extensions import db_session, now, settings
from hotline.models import Role
from hotline.rota.cadence import first_instant, wall
from hotline.web.dashboard.auth import login_required, signed_in
from hotline.web.rota.forms import (
    WEEKDAYS,
    ActionForm,
    CalendarForm,
    CoverageForm,
    EndForm,
    LeaveForm,
    OfferForm,
    OverrideForm,
    PeriodForm,
    RotationEditForm,
    RotationForm,
    VolunteerLeaveForm,
)

bp = Blueprint("rota", __name__, url_prefix="/rota")

P = ParamSpec("P")
SUPERVISORS = frozenset({Role.ADMIN, Role.SUPERVISOR})


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


def _tz() -> ZoneInfo:
    return ZoneInfo(settings().timezone)


def _instant(local: datetime | None) -> datetime | None:
    """A local time typed into a form as an instant."""
    return None if local is None else first_instant(local, _tz())


def _failed(error: rota.RotaError) -> None:
    """Show why a rota change was refused, in the page's language."""
    flash(_(error.message, **error.params), "error")


@bp.app_template_filter("weekdays")
def weekday_names(mask: int) -> str:
    """The names of the weekdays in a rotation's weekday mask, in the page's language."""
    return " ".join(str(choice.label) for n, choice in enumerate(WEEKDAYS) if mask >> n & 1)


def _calendar_range(view: str, start: date) -> tuple[date, date, date]:
    """First day shown, the day after the last, and the first day of the page before."""
    if view == "month":
        first = start.replace(day=1)
        after = first + timedelta(days=monthrange(first.year, first.month)[1])
        return first, after, (first - timedelta(days=1)).replace(day=1)
    first = start - timedelta(days=start.weekday())
    return first, first + timedelta(days=7), first - timedelta(days=7)


def _button(done: Callable[[], object], message: str, back: str) -> ResponseReturnValue:
    """Run one rota change from a POSTed button, commit, and go back to `back`."""
    if not ActionForm().validate_on_submit():
        abort(400)
    session = db_session()
    try:
        done()
    except rota.RotaError as error:
        session.rollback()
        _failed(error)
    else:
        session.commit()
        flash(message, "info")
    return redirect(url_for(back))


@bp.get("/")
@supervisors_only
def calendar() -> ResponseReturnValue:
    """The rota day by day for a week or a month: layers, overrides and gaps."""
    form = CalendarForm(request.args)
    if not form.validate():
        return render_template("rota/calendar.html", form=form, days=[])
    today = wall(now(), _tz()).date()
    first, after, previous = _calendar_range(form.view.data, form.start.data or today)
    days = rota.calendar(db_session(), first, (after - first).days, settings().timezone)
    return render_template(
        "rota/calendar.html", form=form, days=days, previous=previous, following=after
    )


@bp.route("/rotations", methods=["GET", "POST"])
@supervisors_only
def rotations() -> ResponseReturnValue:
    """Rotations running or to come, and a form to add one."""
    session = db_session()
    form = RotationForm()
    if form.validate_on_submit():
        try:
            rota.create_rotation(
                session,
                name=form.name.data,
                member_ids=rota.member_ids(session, form.mobiles()),
                starts_at=first_instant(form.starts.data, _tz()),
                ends_at=_instant(form.ends.data),
                layer=form.layer.data,
                shift_hours=form.shift_hours.data,
                handoff_time=form.handoff.data,
                timezone=settings().timezone,
                weekdays=form.weekday_mask(),
                hours=form.hours(),
            )
        except rota.RotaError as error:
            session.rollback()
            _failed(error)
        else:
            session.commit()
            flash(_("Rotation added."), "info")
            return redirect(url_for(".rotations"))
    return render_template(
        "rota/rotations.html",
        form=form,
        end_form=EndForm(),
        rotations=rota.list_rotations(session, now()),
    )


@bp.route("/rotations/<id:rotation_id>/edit", methods=["GET", "POST"])
@supervisors_only
def edit_rotation(rotation_id: int) -> ResponseReturnValue:
    """Change a rotation from now (or a later moment) on; its past turns stay as they were."""
    session = db_session()
    rotation = rota.get_rotation(session, rotation_id)
    if rotation is None:
        abort(404)
    form = RotationEditForm()
    if not form.is_submitted():
        form.fill(rotation, _tz())
    elif form.validate():
        try:
            revised = rota.revise_rotation(
                session,
                rotation_id,
                form.changes(rota.member_ids(session, form.mobiles()), _instant(form.ends.data)),
                now=now(),
                at=_instant(form.effective.data),
            )
        except rota.RotaError as error:
            session.rollback()
            _failed(error)
        else:
            session.commit()
            flash(_("Rotation changed.") if revised else _("Rotation ended."), "info")
            return redirect(url_for(".rotations"))
    return render_template("rota/rotation_edit.html", form=form, rotation=rotation)


@bp.post("/rotations/<id:rotation_id>/end")
@supervisors_only
def end_rotation(rotation_id: int) -> ResponseReturnValue:
    """Stop a rotation at the given local time, or now."""
    form = EndForm()
    if not form.validate_on_submit():
        abort(400)
    session = db_session()
    try:
        rota.end_rotation(session, rotation_id, _instant(form.at.data) or now())
    except rota.RotaError as error:
        _failed(error)
    else:
        session.commit()
        flash(_("Rotation ended."), "info")
    return redirect(url_for(".rotations"))


@bp.route("/overrides", methods=["GET", "POST"])
@supervisors_only
def overrides() -> ResponseReturnValue:
    """Overrides not yet over, and a form to put someone on a layer for a window."""
    session = db_session()
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            rota.add_override(
                session,
                volunteer_id=rota.member_ids(session, [form.mobile.data])[0],
                layer=form.layer.data,
                starts_at=first_instant(form.starts.data, _tz()),
                ends_at=first_instant(form.ends.data, _tz()),
                reason=form.reason.data or "",
                created_by_id=signed_in().id,
            )
        except rota.RotaError as error:
            session.rollback()
            _failed(error)
        else:
            session.commit()
            flash(_("Override added."), "info")
            return redirect(url_for(".overrides"))
    return render_template(
        "rota/overrides.html",
        form=form,
        action=ActionForm(),
        overrides=rota.upcoming_overrides(session, now()),
    )


@bp.post("/overrides/<id:override_id>/cancel")
@supervisors_only
def cancel_override(override_id: int) -> ResponseReturnValue:
    """Cancel an override (kept as history)."""
    return _button(
        lambda: rota.cancel_override(db_session(), override_id, now()),
        _("Override cancelled."),
        ".overrides",
    )


def _take_leave(form: LeaveForm, volunteer_id: Callable[[Session], int]) -> bool:
    """Record the form's leave for `volunteer_id(session)` and commit; False if refused."""
    session = db_session()
    try:
        clash = rota.take_leave(
            session,
            volunteer_id=volunteer_id(session),
            starts_at=first_instant(form.starts.data, _tz()),
            ends_at=first_instant(form.ends.data, _tz()),
            now=now(),
            reason=form.reason.data or "",
        )
    except rota.RotaError as error:
        session.rollback()
        _failed(error)
        return False
    session.commit()
    if clash.dropped:
        flash(_("Leave recorded. It empties scheduled shifts: see the warning below."), "warning")
    else:
        flash(_("Leave recorded."), "info")
    return True


@bp.route("/leave", methods=["GET", "POST"])
@supervisors_only
def leave() -> ResponseReturnValue:
    """Leave not yet over, with the shifts it empties, and a form to add leave for anyone."""
    form = VolunteerLeaveForm()
    if form.validate_on_submit():
        if _take_leave(form, lambda session: rota.member_ids(session, [form.mobile.data])[0]):
            return redirect(url_for(".leave"))
    return render_template(
        "rota/leave.html",
        form=form,
        action=ActionForm(),
        leave=rota.upcoming_leave(db_session(), now()),
        lookahead_days=rota.leave.LOOKAHEAD.days,
    )


@bp.post("/leave/<id:leave_id>/cancel")
@login_required
def cancel_leave(leave_id: int) -> ResponseReturnValue:
    """Call off leave: a supervisor any, a volunteer their own."""
    supervisor = signed_in().role in SUPERVISORS
    owner = None if supervisor else volunteer()
    return _button(
        lambda: rota.cancel_leave(db_session(), leave_id, now(), volunteer_id=owner),
        _("Leave called off."),
        ".leave" if supervisor else ".mine",
    )


@bp.get("/swaps")
@supervisors_only
def swaps() -> ResponseReturnValue:
    """Swaps on offer and swaps waiting for a supervisor's decision."""
    return render_template(
        "rota/swaps.html",
        swaps=rota.open_swaps(db_session(), now()),
        action=ActionForm(),
    )


@bp.post("/swaps/<id:swap_id>/approve")
@supervisors_only
def approve_swap(swap_id: int) -> ResponseReturnValue:
    """Approve a taken swap: the taker is put on duty."""
    user = signed_in()
    return _button(
        lambda: rota.approve_swap(db_session(), swap_id, user.id, now()),
        _("Swap approved."),
        ".swaps",
    )


@bp.post("/swaps/<id:swap_id>/reject")
@supervisors_only
def reject_swap(swap_id: int) -> ResponseReturnValue:
    """Refuse a taken swap, with an optional note."""
    user, note = signed_in(), ActionForm().note.data or ""
    return _button(
        lambda: rota.reject_swap(db_session(), swap_id, user.id, now(), note),
        _("Swap rejected."),
        ".swaps",
    )


@bp.post("/swaps/<id:swap_id>/cancel")
@login_required
def cancel_swap(swap_id: int) -> ResponseReturnValue:
    """Withdraw a swap: a supervisor any, a volunteer their own."""
    user = signed_in()
    supervisor = user.role in SUPERVISORS
    offerer = None if supervisor else volunteer()
    return _button(
        lambda: rota.cancel_swap(db_session(), swap_id, now(), volunteer_id=offerer),
        _("Swap withdrawn."),
        ".swaps" if supervisor else ".mine",
    )


@bp.post("/swaps/<id:swap_id>/take")
@login_required
def take_swap(swap_id: int) -> ResponseReturnValue:
    """Take a window another volunteer offers."""
    taker = volunteer()
    approval = settings().swap_requires_approval
    return _button(
        lambda: rota.take_swap(db_session(), swap_id, taker, now(), requires_approval=approval),
        _("You took the shift; a supervisor will confirm it.")
        if approval
        else _("You took the shift."),
        ".mine",
    )


@bp.post("/me/offer")
@login_required
def offer_swap() -> ResponseReturnValue:
    """Offer one of my shifts to other volunteers."""
    offerer = volunteer()
    form = OfferForm()
    window = form.window() if form.validate_on_submit() else None
    if window is None:
        abort(400)
    session = db_session()
    try:
        rota.offer_swap(
            session,
            volunteer_id=offerer,
            layer=form.layer.data,
            starts_at=window[0],
            ends_at=window[1],
            now=now(),
            note=form.note.data or "",
        )
    except rota.RotaError as error:
        session.rollback()
        _failed(error)
    else:
        session.commit()
        flash(_("Your shift is on offer."), "info")
    return redirect(url_for(".mine"))


@bp.get("/me")
@login_required
def mine() -> ResponseReturnValue:
    """My shifts, swaps I can take, my own offers, my leave and my calendar feed (mobile)."""
    return _my_page(volunteer(), LeaveForm(formdata=None))


@bp.post("/me/leave")
@login_required
def take_my_leave() -> ResponseReturnValue:
    """Record my own leave; the page warns about the shifts it empties."""
    volunteer_id = volunteer()
    form = LeaveForm()
    if form.validate_on_submit() and _take_leave(form, lambda _session: volunteer_id):
        return redirect(url_for(".mine"))
    return _my_page(volunteer_id, form)


def _my_page(volunteer_id: int, leave_form: LeaveForm) -> ResponseReturnValue:
    session = db_session()
    moment = now()
    token = rota.feed_token(session, volunteer_id)
    session.commit()
    return render_template(
        "rota/mine.html",
        shifts=rota.upcoming_shifts(session, volunteer_id, moment),
        available=rota.available_swaps(session, volunteer_id, moment),
        offered=rota.swaps_offered_by(session, volunteer_id, moment),
        leave=rota.upcoming_leave(session, moment, volunteer_id=volunteer_id),
        leave_form=leave_form,
        feed_url=settings().public_base_url + url_for(".feed", token=token),
        action=ActionForm(),
        now=moment,
    )


@bp.get("/calendar/<token>.ics")
def feed(token: str) -> ResponseReturnValue:
    """A volunteer's shifts as iCal, for phone calendars; the secret token is the only key."""
    document = rota.ical_feed(db_session(), token, now())
    if document is None:
        abort(404)
    return Response(document, mimetype="text/calendar")


@bp.get("/coverage")
@supervisors_only
def coverage() -> ResponseReturnValue:
    """Gaps, windows without backup and leave conflicts ahead; open gap alerts."""
    form = CoverageForm(request.args)
    report = None
    session = db_session()
    if form.validate():
        report = rota.coverage_report(session, now(), form.days.data or 30)
    return render_template(
        "rota/coverage.html",
        form=form,
        report=report,
        alerts=rota.open_alerts(session),
    )


@bp.get("/fairness")
@supervisors_only
def fairness() -> ResponseReturnValue:
    """Hours, nights, weekends and calls per volunteer and team over a period (default 30 days)."""
    form = PeriodForm(request.args)
    report = None
    if form.validate():
        tz = _tz()
        last = form.date_to.data or wall(now(), tz).date()
        first = form.date_from.data or last - timedelta(days=29)
        report = rota.fairness_report(
            db_session(),
            first_instant(datetime.combine(first, datetime.min.time()), tz),
            first_instant(datetime.combine(last + timedelta(days=1), datetime.min.time()), tz),
            timezone=settings().timezone,
        )
    return render_template("rota/fairness.html", form=form, report=report)
