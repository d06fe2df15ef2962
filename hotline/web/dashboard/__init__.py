"""The supervisors' web dashboard: login, translations, CSRF, navigation and the pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import IntegerConverter, Map

from hotline import accounts
from hotline.extensions import babel, csrf, db_session, login_manager
from hotline.models import Role
from hotline.web.dashboard import throttle
from hotline.web.dashboard.auth import LoginUser, load_user

# Simplified Chinese first. Babel formats "zh" exactly as zh_Hans_CN (2026年1月5日 14:03:09), and
# the plain code is what Accept-Language "zh-CN" or "zh-Hans" falls back to.
DEFAULT_LOCALE = "zh"
LANG_COOKIE = "lang"


@dataclass(frozen=True)
class NavItem:
    """A link in the header of every page, shown to users with one of `roles`."""

    endpoint: str
    label: object
    roles: frozenset[Role] = field(default_factory=lambda: frozenset(Role))


def add_nav_item(
    app: Flask, endpoint: str, label: object, roles: frozenset[Role] | None = None
) -> None:
    """Add a site-wide header link (label: a lazy_gettext string); for other blueprints too."""
    item = NavItem(endpoint, label) if roles is None else NavItem(endpoint, label, roles)
    app.extensions.setdefault("hotline.nav", []).append(item)


class RowId(IntegerConverter):
    """`<id:name>` in a route: a row id, at most the largest value of an id column (PostgreSQL's
    32-bit integer). A larger one is a 404, not an error from the database driver (500)."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, max=2**31 - 1)


def _select_locale() -> str | None:
    """The user's saved choice, else the language-switch cookie, else the browser's, else zh."""
    if not has_request_context():
        return None
    if current_user.is_authenticated and current_user.locale in accounts.LOCALES:
        return str(current_user.locale)
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in accounts.LOCALES:
        return cookie
    return request.accept_languages.best_match(accounts.LOCALES)


def _load_user(cookie_id: str) -> LoginUser | None:
    return load_user(db_session(), cookie_id)


def _template_context() -> dict[str, object]:
    locale = get_locale()
    language = locale.language if locale is not None else DEFAULT_LOCALE
    user = current_user._get_current_object() if has_request_context() else None
    role = user.role if isinstance(user, LoginUser) else None
    nav: list[NavItem] = current_app.extensions.get("hotline.nav", [])
    return {
        "current_language": language,
        "html_lang": "zh-Hans" if language == "zh" else language,
        "nav_items": [item for item in nav if role in item.roles],
    }


def init_dashboard(app: Flask) -> None:
    """Attach login, CSRF, translations and the dashboard blueprint."""
    from hotline.web.dashboard import (
        callbacks,  # noqa: F401  (its routes join the blueprint)
        cards,
        labels,
        visits,  # noqa: F401  (its route joins the blueprint)
    )
    from hotline.web.dashboard.errors import init_error_pages
    from hotline.web.dashboard.routes import bp
    from hotline.web.voice.routes import bp as voice_bp

    babel.init_app(
        app,
        default_locale=DEFAULT_LOCALE,
        default_timezone=app.extensions["hotline.settings"].timezone,
        locale_selector=_select_locale,
    )
    login_manager.init_app(app)
    login_manager.login_view = "dashboard.login"
    login_manager.login_message = _l("Please log in to see this page.")
    # Translate the flashed message in the request, not at import (str() of a lazy string).
    login_manager.localize_callback = str
    login_manager.user_loader(_load_user)
    csrf.init_app(app)
    throttle.init_throttling(app, app.extensions["hotline.settings"].broker_url)
    # Carrier webhooks prove themselves with the Twilio signature, not a CSRF token.
    csrf.exempt(voice_bp)

    app.jinja_env.filters.update(
        label=labels.label,
        event_label=labels.event_label,
        category_name=labels.category_name,
        phone=labels.phone,
        label_cells=cards.label_cells,
    )
    app.context_processor(_template_context)
    app.url_map.converters["id"] = RowId  # before the blueprints' routes are added
    app.register_blueprint(bp)
    init_error_pages(app)
    add_nav_item(app, "dashboard.tickets", _l("Tickets"))
    add_nav_item(app, "dashboard.calls", _l("Calls"))
