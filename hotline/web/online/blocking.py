"""Blocked numbers (`/blocked-numbers`, supervisors and administrators): bar a number from the
public page, or let it in again; both audited."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from hotline.extensions import db_session
from hotline.models import Role
from hotline.online import blocking
from hotline.review.voicemail import Actor
from hotline.web.audit import client_address
from hotline.web.dashboard.auth import login_required, signed_in
from hotline.web.dashboard.forms import Form
from hotline.web.online.forms import NUMBER_CHARS

bp = Blueprint("blocking", __name__, url_prefix="/blocked-numbers")
SUPERVISORS = frozenset({Role.ADMIN, Role.SUPERVISOR})


class BlockForm(Form):
    """A number to bar, and why."""

    number = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=NUMBER_CHARS)])
    reason = StringField(_l("Reason"), validators=[Length(max=blocking.REASON_CHARS)])


class UnblockForm(Form):
    """Let a number in again (the CSRF token only)."""


def _supervisor() -> None:
    if signed_in().role not in SUPERVISORS:
        abort(403)


def _by() -> Actor:
    user = signed_in()
    return Actor(user.id, user.username, client_address())


def _page(form: BlockForm, code: int = 200) -> ResponseReturnValue:
    rows = blocking.blocked(db_session())
    page = render_template(
        "online/blocked.html", form=form, rows=rows, unblock_form=UnblockForm(formdata=None)
    )
    return page, code


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """The blocked numbers, newest first, and the form to block one."""
    _supervisor()
    return _page(BlockForm(formdata=None))


@bp.post("")
@login_required
def block() -> ResponseReturnValue:
    """Bar a number from the public page."""
    _supervisor()
    form = BlockForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    session = db_session()
    try:
        row = blocking.block(session, form.number.data, form.reason.data or "", _by())
    except blocking.BlockRefused as refused:
        session.rollback()
        flash(_(refused.message, **refused.params), "error")
        return _page(form, 400)
    session.commit()
    flash(_("%(number)s is blocked.", number=row.number), "info")
    return redirect(url_for(".index"))


@bp.post("/<id:block_id>/unblock")
@login_required
def unblock(block_id: int) -> ResponseReturnValue:
    """Let a barred number use the public page again."""
    _supervisor()
    if not UnblockForm().validate_on_submit():
        abort(400)
    session = db_session()
    row = blocking.unblock(session, block_id, _by())
    if row is None:
        abort(404)
    session.commit()
    flash(_("%(number)s is no longer blocked.", number=row.number), "info")
    return redirect(url_for(".index"))
