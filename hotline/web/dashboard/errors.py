"""Error pages for the whole dashboard: 400 (an expired form's own), 403, 404 and 500, styled
and translated, with a way back.

The page speaks the user's language first and the other one under it (a volunteer whose phone
is set to English still reads the Chinese the line's staff use). The carrier's webhooks keep
their plain answers: they are read by the carrier, not by people.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from hotline.extensions import db_session

# Blueprints whose requests come from the carrier, not a browser.
WEBHOOKS = frozenset({"voice", "sms"})

# A page's title and what to do (lazy: translated in each language in turn).
Texts = tuple[LazyString, LazyString]

# The page of each status (a title and what to do), and of a form whose CSRF token expired.
AGAIN = _l("Go back, reload the page and try again.")
PAGES = {
    400: (_l("This request could not be read"), AGAIN),
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
EXPIRED = (_l("The form has expired"), AGAIN)


def _in(language: str, texts: Texts) -> tuple[str, str]:
    title, message = texts
    with force_locale(language):
        return str(title), str(message)


def error_page(code: int, texts: Texts | None = None) -> ResponseReturnValue:
    """The error page for `code` (or with `texts`) in the user's language, then the other one."""
    texts = texts or PAGES[code]
    locale = get_locale()
    first = locale.language if locale is not None else "zh"
    second = "en" if first == "zh" else "zh"
    return render_template(
        "dashboard/error.html",
        code=code,
        texts=[(first, *_in(first, texts)), (second, *_in(second, texts))],
    ), code


def _http_error(error: HTTPException) -> ResponseReturnValue:
    if request.blueprint in WEBHOOKS or error.code not in PAGES:
        return error
    return error_page(error.code, EXPIRED if isinstance(error, CSRFError) else None)


def _server_error(error: InternalServerError) -> ResponseReturnValue:
    if request.blueprint in WEBHOOKS:
        return error
    # The failed request may have left its transaction broken; the page's header reads counts.
    db_session().rollback()
    return error_page(500)


def init_error_pages(app: Flask) -> None:
    """Serve the styled 400, 403, 404 and 500 pages for every blueprint but the webhooks."""
    app.register_error_handler(400, _http_error)
    app.register_error_handler(403, _http_error)
    app.register_error_handler(404, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
