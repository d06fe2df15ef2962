"""Volunteers', teams' and communities' pages (supervisors and administrators): lists,
new, edit, deactivate a volunteer, delete an unused team or community, and the rota's CSV
import for bulk work."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import admin
from hotline.db import Base
from hotline.extensions import db_session
from hotline.models import Community, Team, Volunteer
from hotline.refusal import Refused
from hotline.web.admin import allowed, bp, editor, flash_refusal
from hotline.web.admin.forms import (
    CommunityForm,
    SearchForm,
    TeamForm,
    ToggleForm,
    VolunteerForm,
    chosen_id,
)
from hotline.web.dashboard import paging
from hotline.web.dashboard.forms import Form
from hotline.web.dispatch.forms import ImportForm
from hotline.web.dispatch.routes import import_upload
from hotline.web.rota import SUPERVISORS


def saved(change: Callable[[Session], object], message: str) -> bool:
    """Run one change and commit it, or flash its refusal; whether it was saved."""
    session = db_session()
    try:
        change(session)
    except Refused as error:
        session.rollback()
        flash_refusal(error)
        return False
    session.commit()
    flash(message, "info")
    return True


def edit_page(
    form: Form,
    save: Callable[[Session], object],
    name: str,
    heading: str,
    back: tuple[str, str],
    target: str | None,
    fixed: frozenset[str] = frozenset(),
) -> ResponseReturnValue:
    """A row's form page: on a valid POST save it (back to the list `back`, an endpoint and
    its label), else the form (again) with the refusal; `target` links its audit entries,
    `fixed` names fields shown read-only."""
    if form.validate_on_submit() and saved(save, _("%(name)s saved.", name=name)):
        return redirect(url_for(back[0]))
    return render_template(
        "admin/edit.html",
        form=form,
        heading=heading,
        back=url_for(back[0]),
        back_label=back[1],
        target=target,
        fixed=fixed,
    )


def delete_row(
    model: type[Base], row_id: int, delete: Callable[[Session], object], back: str
) -> ResponseReturnValue:
    """A delete button's POST: 404 for a row that is not there, else delete it (or flash why
    not) and go back to the list `back`."""
    if not ToggleForm().validate_on_submit():
        abort(400)
    if db_session().get(model, row_id) is None:
        abort(404)
    saved(delete, _("Deleted."))
    return redirect(url_for(back))


def _communities(session: Session) -> list[tuple[int, str]]:
    return [(c.id, c.name) for c in session.scalars(select(Community).order_by(Community.code))]


# --- volunteers ---------------------------------------------------------------------------------


@bp.get("/volunteers")
@allowed(SUPERVISORS)
def volunteers() -> ResponseReturnValue:
    """Volunteers, active first, searchable by name or mobile, a page at a time."""
    form = SearchForm(request.args)
    text = (form.q.data or "") if form.validate() else ""
    session = db_session()
    page = paging.existing_page(
        lambda number: admin.volunteers(session, text, number), form.page_number
    )
    return render_template(
        "admin/volunteers.html",
        form=form,
        page=page,
        toggle=ToggleForm(),
        import_form=ImportForm(),
    )


@bp.route("/volunteers/new", methods=["GET", "POST"])
@allowed(SUPERVISORS)
def new_volunteer() -> ResponseReturnValue:
    """Add a volunteer."""
    return _edit_volunteer(None)


@bp.route("/volunteers/<id:volunteer_id>", methods=["GET", "POST"])
@allowed(SUPERVISORS)
def edit_volunteer(volunteer_id: int) -> ResponseReturnValue:
    """Change a volunteer's details."""
    return _edit_volunteer(volunteer_id)


def _edit_volunteer(volunteer_id: int | None) -> ResponseReturnValue:
    session = db_session()
    volunteer = None if volunteer_id is None else session.get(Volunteer, volunteer_id)
    if volunteer_id is not None and volunteer is None:
        abort(404)
    form = VolunteerForm()
    form.set_choices(
        [(t.id, t.name) for t in session.scalars(select(Team).order_by(Team.name))],
        _communities(session),
    )
    if request.method == "GET" and volunteer is not None:
        form.name.data = volunteer.name
        form.mobile.data = volunteer.mobile
        form.team.data = str(volunteer.team_id or "")
        form.community.data = str(volunteer.community_id or "")
        form.languages.data = volunteer.languages
        form.party_member.data = volunteer.party_member
        form.active.data = volunteer.active
    return edit_page(
        form,
        lambda s: admin.save_volunteer(s, editor(), form.data_of(), volunteer_id),
        form.name.data,
        volunteer.name if volunteer else _("Add a volunteer"),
        (".volunteers", _("Volunteers")),
        f"volunteer:{volunteer.id}" if volunteer else None,
    )


@bp.post("/volunteers/<id:volunteer_id>/active")
@allowed(SUPERVISORS)
def toggle_volunteer(volunteer_id: int) -> ResponseReturnValue:
    """Deactivate a volunteer (kept on old calls and rotations) or bring them back."""
    if not ToggleForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    saved(lambda s: admin.set_volunteer_active(s, editor(), volunteer_id, active), _("Saved."))
    return redirect(url_for(".volunteers"))


@bp.post("/volunteers/import")
@allowed(SUPERVISORS)
def import_volunteers() -> ResponseReturnValue:
    """The rota's CSV import from an upload: all rows, or none and every error listed."""
    by = editor()
    return import_upload(
        lambda session, lines: admin.import_volunteers(session, by, lines),
        url_for(".volunteers"),
        _("Volunteers"),
        lambda report: _(
            "Imported %(created)s new and %(updated)s updated volunteers.",
            created=report.created,
            updated=report.updated,
        ),
    )


# --- teams --------------------------------------------------------------------------------------


@bp.route("/teams", methods=["GET", "POST"])
@allowed(SUPERVISORS)
def teams() -> ResponseReturnValue:
    """Teams with their community and volunteers; a new team below."""
    session = db_session()
    form = TeamForm()
    form.set_choices(_communities(session))
    if form.validate_on_submit() and saved(
        lambda s: admin.save_team(s, editor(), form.name.data, chosen_id(form.community.data)),
        _("%(name)s saved.", name=form.name.data),
    ):
        return redirect(url_for(".teams"))
    return render_template(
        "admin/teams.html", teams=admin.teams(session), form=form, toggle=ToggleForm()
    )


@bp.route("/teams/<id:team_id>", methods=["GET", "POST"])
@allowed(SUPERVISORS)
def edit_team(team_id: int) -> ResponseReturnValue:
    """Rename a team or move it to another community."""
    session = db_session()
    team = session.get(Team, team_id)
    if team is None:
        abort(404)
    form = TeamForm()
    form.set_choices(_communities(session))
    if request.method == "GET":
        form.name.data = team.name
        form.community.data = str(team.community_id or "")
    return edit_page(
        form,
        lambda s: admin.save_team(
            s, editor(), form.name.data, chosen_id(form.community.data), team_id
        ),
        form.name.data,
        team.name,
        (".teams", _("Teams")),
        f"team:{team.id}",
    )


@bp.post("/teams/<id:team_id>/delete")
@allowed(SUPERVISORS)
def delete_team(team_id: int) -> ResponseReturnValue:
    """Delete a team nobody belongs to."""
    return delete_row(Team, team_id, lambda s: admin.delete_team(s, editor(), team_id), ".teams")


# --- communities --------------------------------------------------------------------------------


@bp.route("/communities", methods=["GET", "POST"])
@allowed(SUPERVISORS)
def communities() -> ResponseReturnValue:
    """Communities with their volunteers; a new community below."""
    form = CommunityForm()
    if form.validate_on_submit() and saved(
        lambda s: admin.save_community(s, editor(), form.code.data, form.name.data),
        _("%(name)s saved.", name=form.name.data),
    ):
        return redirect(url_for(".communities"))
    return render_template(
        "admin/communities.html",
        communities=admin.communities(db_session()),
        form=form,
        toggle=ToggleForm(),
    )


@bp.route("/communities/<id:community_id>", methods=["GET", "POST"])
@allowed(SUPERVISORS)
def edit_community(community_id: int) -> ResponseReturnValue:
    """Change a community's code or name."""
    community = db_session().get(Community, community_id)
    if community is None:
        abort(404)
    form = CommunityForm()
    if request.method == "GET":
        form.code.data = community.code
        form.name.data = community.name
    return edit_page(
        form,
        lambda s: admin.save_community(s, editor(), form.code.data, form.name.data, community_id),
        form.name.data,
        community.name,
        (".communities", _("Communities")),
        f"community:{community.id}",
    )


@bp.post("/communities/<id:community_id>/delete")
@allowed(SUPERVISORS)
def delete_community(community_id: int) -> ResponseReturnValue:
    """Delete a community nothing refers to."""
    return delete_row(
        Community,
        community_id,
        lambda s: admin.delete_community(s, editor(), community_id),
        ".communities",
    )
