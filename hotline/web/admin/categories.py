"""Categories' pages (administrators): the list with each one's tickets and what names it,
new, edit (retire or bring back), delete an unused one."""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from hotline import admin
from hotline.extensions import db_session, settings
from hotline.models import Category
from hotline.refusal import Refused
from hotline.web.admin import ADMINS, allowed, bp, editor, flash_refusal
from hotline.web.admin.forms import CategoryForm, ToggleForm
from hotline.web.admin.people import delete_row, edit_page


def _named() -> dict[str, str]:
    """The codes the IVR flows (every *.yaml beside the configured flow) and the triage rules
    name; AdminError when one cannot be read."""
    return admin.named_codes(sorted(settings().ivr_flow_path.parent.glob("*.yaml")))


@bp.get("/categories")
@allowed(ADMINS)
def categories() -> ResponseReturnValue:
    """Every category: names, urgent, promised hours, tickets, what names it, active."""
    try:
        named = _named()
    except Refused as error:
        flash_refusal(error)
        named = {}
    return render_template(
        "admin/categories.html", rows=admin.listed(db_session(), named), toggle=ToggleForm()
    )


@bp.route("/categories/new", methods=["GET", "POST"])
@allowed(ADMINS)
def new_category() -> ResponseReturnValue:
    """Add a category."""
    return _edit(None)


@bp.route("/categories/<id:category_id>", methods=["GET", "POST"])
@allowed(ADMINS)
def edit_category(category_id: int) -> ResponseReturnValue:
    """Change a category's names, urgency or hours; retire it or bring it back."""
    return _edit(category_id)


def _edit(category_id: int | None) -> ResponseReturnValue:
    session = db_session()
    category = None
    if category_id is not None:
        try:
            category = admin.get_category(session, category_id)
        except admin.AdminError:
            abort(404)
    form = CategoryForm()
    if category is not None:
        # The code is fixed once created: calls, flows and rules refer to it.
        form.code.data = category.code
        if request.method == "GET":
            form.process(obj=category)
    return edit_page(
        form,
        lambda s: admin.save_category(s, editor(), form.data_of(), _named(), category_id),
        form.name_zh.data,
        category.name_zh if category else _("Add a category"),
        (".categories", _("Categories")),
        f"category:{category.id}" if category else None,
        frozenset({"code"}) if category else frozenset(),
    )


@bp.post("/categories/<id:category_id>/delete")
@allowed(ADMINS)
def delete_category(category_id: int) -> ResponseReturnValue:
    """Delete a category nothing names or uses."""
    return delete_row(
        Category,
        category_id,
        lambda s: admin.delete_category(s, editor(), category_id, _named()),
        ".categories",
    )
