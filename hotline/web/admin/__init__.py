"""Administration pages (/admin): users (administrators only), volunteers, teams and
communities (supervisors too: they run the rota), categories (administrators: they set the
county's promise and what the IVR files calls under). Each page parses its form, calls one
hotline.admin function as the signed-in user (`editor`), commits and redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec

from flask import Blueprint, Flask, abort, flash, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hotline.admin import Editor
from hotline.models import Role
from hotline.refusal import Refused
from hotline.web.audit import client_address
from hotline.web.dashboard import add_nav_item
from hotline.web.dashboard.auth import login_required, signed_in
from hotline.web.rota import SUPERVISORS

bp = Blueprint("admin", __name__, url_prefix="/admin")
ADMINS = frozenset({Role.ADMIN})

P = ParamSpec("P")


def init_admin_pages(app: Flask) -> None:
    """Register the administration pages and their header link (administrators and
    supervisors; supervisors see only the people and places)."""
    # Importing the page modules adds their routes to bp; it must happen before registering.
    from hotline.web.admin import categories, people, users  # noqa: F401

    app.register_blueprint(bp)
    add_nav_item(app, "admin.index", _l("Administration"), roles=SUPERVISORS)


def allowed(
    roles: frozenset[Role],
) -> Callable[[Callable[P, ResponseReturnValue]], Callable[P, ResponseReturnValue]]:
    """Require a signed-in user with one of `roles` (403 for others)."""

    def decorate(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
            if signed_in().role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return login_required(wrapper)

    return decorate


def editor() -> Editor:
    """The signed-in user as the author of a change, from this request's address."""
    user = signed_in()
    return Editor(user.id, user.username, client_address())


def flash_refusal(error: Refused) -> None:
    """Show why a change was refused, in the page's language."""
    flash(_(error.message, **error.params), "error")


@bp.get("")
@allowed(SUPERVISORS)
def index() -> ResponseReturnValue:
    """What the user may administer, one link each."""
    return render_template("admin/index.html", admin_role=signed_in().role in ADMINS)
