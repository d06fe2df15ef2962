"""Technicians' pages and the assign panel's POST (supervisors and administrators)."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import dispatch, rota
from hotline.csv_rows import ImportReport, decode
from hotline.extensions import db_session, now
from hotline.models import Community, Technician, Ticket
from hotline.refusal import N_, Refused
from hotline.tasks.dispatch import notify_assignment
from hotline.tickets import OPEN_STATUSES, offered_categories
from hotline.tickets.workflow import Actor
from hotline.web.dashboard.auth import signed_in
from hotline.web.dashboard.labels import category_name
from hotline.web.dispatch import bp
from hotline.web.dispatch.forms import AssignForm, ImportForm, TechnicianForm, ToggleForm
from hotline.web.rota import SUPERVISORS, supervisors_only

logger = logging.getLogger(__name__)

# Largest CSV accepted from the page (a county's talent pool is hundreds of rows).
MAX_UPLOAD_BYTES = 1_000_000
SUGGESTIONS = 5


def flash_refusal(error: Refused) -> None:
    """Show why a change was refused, in the page's language."""
    flash(_(error.message, **error.params), "error")


def _choices(session: Session, form: TechnicianForm, technician: Technician | None) -> None:
    # Retired categories are offered nowhere new; a technician keeps the skills they have.
    kept = [c.id for c in technician.skills] if technician is not None else []
    categories = offered_categories(session, keep=kept)
    communities = session.scalars(select(Community).order_by(Community.code)).all()
    form.skills.choices = [(c.id, category_name(c)) for c in categories]
    form.communities.choices = [(c.id, c.name) for c in communities]


@bp.get("/technicians")
@supervisors_only
def technicians() -> ResponseReturnValue:
    """The talent pool with each technician's open load."""
    return render_template(
        "dispatch/technicians.html",
        roster=dispatch.roster(db_session()),
        toggle=ToggleForm(),
        import_form=ImportForm(),
    )


@bp.route("/technicians/new", methods=["GET", "POST"])
@supervisors_only
def new_technician() -> ResponseReturnValue:
    """Add a technician to the talent pool."""
    return _edit(None)


@bp.route("/technicians/<id:technician_id>", methods=["GET", "POST"])
@supervisors_only
def edit_technician(technician_id: int) -> ResponseReturnValue:
    """Change a technician's details, skills and communities."""
    return _edit(technician_id)


def _edit(technician_id: int | None) -> ResponseReturnValue:
    session = db_session()
    technician = None
    if technician_id is not None:
        technician = session.get(Technician, technician_id)
        if technician is None:
            abort(404)
    form = TechnicianForm()
    _choices(session, form, technician)
    if request.method == "GET" and technician is not None:
        form.name.data = technician.name
        form.mobile.data = technician.mobile
        form.skills.data = [c.id for c in technician.skills]
        form.communities.data = [c.id for c in technician.communities]
        form.active.data = technician.active
    if form.validate_on_submit():
        data = dispatch.TechnicianData(
            name=form.name.data,
            mobile=form.mobile.data,
            skill_ids=form.skills.data or [],
            community_ids=form.communities.data or [],
            active=bool(form.active.data),
        )
        try:
            saved = dispatch.save_technician(session, data, technician_id)
        except dispatch.DispatchError as error:
            session.rollback()
            flash_refusal(error)
        else:
            session.commit()
            flash(_("%(name)s saved.", name=saved.name), "info")
            return redirect(url_for(".technicians"))
    return render_template("dispatch/technician.html", form=form, technician=technician)


@bp.post("/technicians/<id:technician_id>/active")
@supervisors_only
def toggle_technician(technician_id: int) -> ResponseReturnValue:
    """Deactivate an active technician, or bring an inactive one back."""
    if not ToggleForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    session = db_session()
    try:
        technician = dispatch.set_active(session, technician_id, active)
    except dispatch.DispatchError:
        session.rollback()
        abort(404)
    session.commit()
    if active:
        flash(_("%(name)s is active again.", name=technician.name), "info")
    else:
        flash(_("%(name)s is no longer active.", name=technician.name), "info")
    return redirect(url_for(".technicians"))


def import_upload(
    run: Callable[[Session, TextIO], ImportReport],
    back: str,
    back_label: str,
    done: Callable[[ImportReport], str],
) -> ResponseReturnValue:
    """Import the uploaded CSV file with `run`: all rows and a message (`done`), or none and
    the page listing every problem (400). A missing file, one over MAX_UPLOAD_BYTES or one
    neither UTF-8 nor GB18030 goes back to `back` with why."""
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Choose a CSV file to import."), "error")
        return redirect(back)
    data = form.file.data.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        flash(_("The file is larger than 1 MB."), "error")
        return redirect(back)
    try:
        content = decode(data)
    except UnicodeDecodeError:
        flash(_("The file is not UTF-8 or GB18030 text; save it as CSV UTF-8."), "error")
        return redirect(back)
    session = db_session()
    report = run(session, io.StringIO(content, newline=""))
    if not report.ok:
        session.rollback()
        page = render_template(
            "dispatch/import_errors.html", report=report, back=back, back_label=back_label
        )
        return page, 400
    session.commit()
    flash(done(report), "info")
    return redirect(back)


@bp.post("/technicians/import")
@supervisors_only
def import_technicians() -> ResponseReturnValue:
    """Import technicians from an uploaded CSV: all rows, or none and every error listed."""
    return import_upload(
        dispatch.import_technicians,
        url_for(".technicians"),
        _("Technicians"),
        lambda report: _(
            "Imported %(created)s new and %(updated)s updated technicians.",
            created=report.created,
            updated=report.updated,
        ),
    )


@dataclass(frozen=True)
class AssignChoices:
    """What the assign panel offers: suggested technicians and all others (anyone else is
    typed by name: the picker)."""

    form: AssignForm
    suggestions: list[dispatch.Suggestion]
    others: list[dispatch.Loaded]


@bp.app_template_global()
def assign_choices(ticket: Ticket) -> AssignChoices | None:
    """The assign panel's choices for `ticket`, or None when the viewer may not assign it
    (only supervisors and administrators, and only while the ticket is open)."""
    user = signed_in()
    if user.role not in SUPERVISORS or ticket.status not in OPEN_STATUSES:
        return None
    session = db_session()
    suggestions = dispatch.suggest(session, ticket, SUGGESTIONS)
    suggested = {s.technician.id for s in suggestions}
    others = [
        x
        for x in dispatch.roster(session, include_inactive=False, with_skills=False)
        if x.technician.id not in suggested
    ]
    return AssignChoices(AssignForm(formdata=None), suggestions, others)


@bp.post("/tickets/<number>/assign")
@supervisors_only
def assign(number: str) -> ResponseReturnValue:
    """Assign a ticket from its page, then queue the technician's SMS."""
    form = AssignForm()
    if not form.validate_on_submit():
        abort(400)
    technician_id, volunteer_id = form.chosen()
    if form.assignee.data and technician_id is None and volunteer_id is None:
        abort(400)  # not a choice the panel offers
    user = signed_in()
    session = db_session()
    try:
        if form.person.data:
            technician_id, volunteer_id = rota.resolve_assignee(session, form.person.data)
        elif technician_id is None and volunteer_id is None:
            raise rota.RotaError(N_("choose a technician, or type someone's name"))
        assigned = dispatch.assign(
            session,
            number,
            Actor(user.display_name or user.username, user.id),
            now(),
            technician_id=technician_id,
            volunteer_id=volunteer_id,
            note=form.note.data or "",
        )
    except Refused as error:
        session.rollback()
        if (
            isinstance(error, dispatch.DispatchError)
            and dispatch.find_ticket(session, number) is None
        ):
            abort(404)
        flash_refusal(error)
        return redirect(url_for("dashboard.ticket_detail", number=number))
    session.commit()
    if assigned.technician_id is not None:
        try:
            notify_assignment.delay(assigned.event_id)
        except Exception:
            # The beat sweep (resend_assignments) sends it once the broker is back.
            logger.exception("could not queue the job SMS of event %s", assigned.event_id)
        flash(_("Assigned; the technician is being texted."), "info")
    else:
        flash(_("Assigned."), "info")
    return redirect(url_for("dashboard.ticket_detail", number=number))
