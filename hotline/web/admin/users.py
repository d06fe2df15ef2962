"""Users' pages (administrators): the list, a new login, a login's role, name, language and
volunteer (picked by name), its password, disabling and enabling it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from hotline import admin
from hotline.extensions import db_session
from hotline.refusal import Refused
from hotline.web.admin import ADMINS, allowed, bp, editor, flash_refusal
from hotline.web.admin.forms import NewUserForm, PasswordForm, ToggleForm, UserForm


@bp.get("/users")
@allowed(ADMINS)
def users() -> ResponseReturnValue:
    """Every login: role, linked volunteer, active or disabled."""
    return render_template(
        "admin/users.html", users=admin.list_users(db_session()), toggle=ToggleForm()
    )


@bp.route("/users/new", methods=["GET", "POST"])
@allowed(ADMINS)
def new_user() -> ResponseReturnValue:
    """Create a login with its first password."""
    form = NewUserForm()
    if form.validate_on_submit():
        session = db_session()
        try:
            user = admin.create_user(
                session, editor(), form.username.data, form.password.data, form.data_of()
            )
        except Refused as error:
            session.rollback()
            flash_refusal(error)
        else:
            session.commit()
            flash(_("%(name)s can now log in.", name=user.username), "info")
            return redirect(url_for(".users"))
    return render_template("admin/user.html", form=form, user=None)


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@allowed(ADMINS)
def edit_user(user_id: int) -> ResponseReturnValue:
    """Change a login's role, display name, language or volunteer."""
    session = db_session()
    try:
        user = admin.get_user(session, user_id)
    except admin.AdminError:
        abort(404)
    form = UserForm()
    if request.method == "GET":
        form.display_name.data = user.display_name
        form.role.data = user.role.value
        form.locale.data = user.locale or ""
        form.volunteer.data = admin.volunteer_text(user)
    elif form.validate_on_submit():
        try:
            admin.update_user(session, editor(), user_id, form.data_of())
        except Refused as error:
            session.rollback()
            flash_refusal(error)
        else:
            session.commit()
            flash(_("%(name)s saved.", name=user.username), "info")
            return redirect(url_for(".users"))
    return render_template(
        "admin/user.html",
        form=form,
        user=user,
        password_form=PasswordForm(formdata=None),
        toggle=ToggleForm(),
    )


@bp.post("/users/<id:user_id>/password")
@allowed(ADMINS)
def reset_password(user_id: int) -> ResponseReturnValue:
    """Give a login a new password (its open sessions end)."""
    session = db_session()
    form = PasswordForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for(".edit_user", user_id=user_id))
    try:
        user = admin.reset_password(session, editor(), user_id, form.password.data)
    except admin.AdminError:
        session.rollback()
        abort(404)
    except Refused as error:
        session.rollback()
        flash_refusal(error)
        return redirect(url_for(".edit_user", user_id=user_id))
    session.commit()
    flash(_("%(name)s has a new password.", name=user.username), "info")
    return redirect(url_for(".users"))


@bp.post("/users/<id:user_id>/active")
@allowed(ADMINS)
def toggle_user(user_id: int) -> ResponseReturnValue:
    """Disable a login or enable it again."""
    if not ToggleForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    session = db_session()
    try:
        user = admin.set_active(session, editor(), user_id, active)
    except Refused as error:
        session.rollback()
        flash_refusal(error)
        return redirect(url_for(".users"))
    session.commit()
    if active:
        flash(_("%(name)s can log in again.", name=user.username), "info")
    else:
        flash(_("%(name)s can no longer log in.", name=user.username), "info")
    return redirect(url_for(".users"))
