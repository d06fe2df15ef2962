"""Error pages for the whole dashboard: 403, 404 and 500, styled and translated, with a way back.

The page speaks the user's language first and the other one under it (a volunteer whose phone
is set to English still reads the Chinese the line's staff use). The carrier's webhooks keep
their plain answers: they are read by the carrier, not by people.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

from hotline.extensions import db_session

# Blueprints whose requests come from the carrier, not a browser.
WEBHOOKS = frozenset({"voice", "sms"})

PAGES = {
    403: (
        _l("You may not open this page"),
        _l("This page is for other roles. If you need it, ask a supervisor."),
    ),
    404: (_l("Page not found"), _l("This page does not exist, or it has moved.")),
    500: (
        _l("Something went wrong"),
        _l(
            "The line could not finish this request. Try again in a moment; "
            "if it keeps happening, tell a supervisor."
        ),
    ),
}


def _in(language: str, code: int) -> tuple[str, str]:
    title, message = PAGES[code]
    with force_locale(language):
        return str(title), str(message)


def error_page(code: int) -> ResponseReturnValue:
    """The error page for `code` in the user's language, then the other one."""
    locale = get_locale()
    first = locale.language if locale is not None else "zh"
    second = "en" if first == "zh" else "zh"
    return render_template(
        "dashboard/error.html",
        code=code,
        texts=[(first, *_in(first, code)), (second, *_in(second, code))],
    ), code


def _http_error(error: HTTPException) -> ResponseReturnValue:
    if request.blueprint in WEBHOOKS or error.code not in PAGES:
        return error
    return error_page(error.code)


def _server_error(error: InternalServerError) -> ResponseReturnValue:
    if request.blueprint in WEBHOOKS:
        return error
    # The failed request may have left its transaction broken; the page's header reads counts.
    db_session().rollback()
    return error_page(500)


def init_error_pages(app: Flask) -> None:
    """Serve the styled 403, 404 and 500 pages for every blueprint but the webhooks."""
    app.register_error_handler(403, _http_error)
    app.register_error_handler(404, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
