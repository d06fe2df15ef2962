"""Supervisors' rota pages: calendar, rotations, overrides, leave, swaps to decide, reports."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from hotline import rota
from hotline.extensions import db_session, now, settings
from hotline.rota.cadence import first_instant, wall
from hotline.web.dashboard.auth import signed_in
from hotline.web.rota import (
    bp,
    flash_refusal,
    local_zone,
    record_leave,
    run_action,
    supervisors_only,
    to_instant,
)
from hotline.web.rota.forms import (
    ActionForm,
    CalendarForm,
    CoverageForm,
    EndForm,
    OverrideForm,
    PeriodForm,
    RotationEditForm,
    RotationForm,
    VolunteerLeaveForm,
)


def _calendar_range(view: str, start: date) -> tuple[date, date, date]:
    """First day shown, the day after the last, and the first day of the page before."""
    if view == "month":
        first = start.replace(day=1)
        after = first + timedelta(days=monthrange(first.year, first.month)[1])
        return first, after, (first - timedelta(days=1)).replace(day=1)
    first = start - timedelta(days=start.weekday())
    return first, first + timedelta(days=7), first - timedelta(days=7)


@bp.get("/")
@supervisors_only
def calendar() -> ResponseReturnValue:
    """The rota day by day for a week or a month: layers, overrides and gaps."""
    form = CalendarForm(request.args)
    if not form.validate():
        return render_template("rota/calendar.html", form=form, days=[])
    today = wall(now(), local_zone()).date()
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
                member_ids=rota.resolve_volunteers(session, form.member_lines()),
                starts_at=first_instant(form.starts.data, local_zone()),
                ends_at=to_instant(form.ends.data),
                layer=form.layer.data,
                shift_hours=form.shift_hours.data,
                handoff_time=form.handoff.data,
                timezone=settings().timezone,
                weekdays=form.weekday_mask(),
                hours=form.hours(),
            )
        except rota.RotaError as error:
            session.rollback()
            flash_refusal(error)
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
        form.fill(rotation, local_zone())
    elif form.validate():
        try:
            revised = rota.revise_rotation(
                session,
                rotation_id,
                form.changes(
                    rota.resolve_volunteers(session, form.member_lines()),
                    to_instant(form.ends.data),
                ),
                now=now(),
                at=to_instant(form.effective.data),
            )
        except rota.RotaError as error:
            session.rollback()
            flash_refusal(error)
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
        rota.end_rotation(session, rotation_id, to_instant(form.at.data) or now())
    except rota.RotaError as error:
        flash_refusal(error)
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
                volunteer_id=rota.resolve_volunteers(session, [form.volunteer.data])[0],
                layer=form.layer.data,
                starts_at=first_instant(form.starts.data, local_zone()),
                ends_at=first_instant(form.ends.data, local_zone()),
                reason=form.reason.data or "",
                created_by_id=signed_in().id,
            )
        except rota.RotaError as error:
            session.rollback()
            flash_refusal(error)
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
    return run_action(
        lambda: rota.cancel_override(db_session(), override_id, now()),
        _("Override cancelled."),
        ".overrides",
    )


@bp.route("/leave", methods=["GET", "POST"])
@supervisors_only
def leave() -> ResponseReturnValue:
    """Leave not yet over, with the shifts it empties, and a form to add leave for anyone."""
    form = VolunteerLeaveForm()
    if form.validate_on_submit():
        if record_leave(
            form, lambda session: rota.resolve_volunteers(session, [form.volunteer.data])[0]
        ):
            return redirect(url_for(".leave"))
    return render_template(
        "rota/leave.html",
        form=form,
        action=ActionForm(),
        leave=rota.upcoming_leave(db_session(), now()),
        lookahead_days=rota.leave.LOOKAHEAD.days,
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
    return run_action(
        lambda: rota.approve_swap(db_session(), swap_id, user.id, now()),
        _("Swap approved."),
        ".swaps",
    )


@bp.post("/swaps/<id:swap_id>/reject")
@supervisors_only
def reject_swap(swap_id: int) -> ResponseReturnValue:
    """Refuse a taken swap, with an optional note."""
    user, note = signed_in(), ActionForm().note.data or ""
    return run_action(
        lambda: rota.reject_swap(db_session(), swap_id, user.id, now(), note),
        _("Swap rejected."),
        ".swaps",
    )


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
        tz = local_zone()
        last = form.date_to.data or wall(now(), tz).date()
        first = form.date_from.data or last - timedelta(days=29)
        report = rota.fairness_report(
            db_session(),
            first_instant(datetime.combine(first, datetime.min.time()), tz),
            first_instant(datetime.combine(last + timedelta(days=1), datetime.min.time()), tz),
            timezone=settings().timezone,
        )
    return render_template("rota/fairness.html", form=form, report=report)
