"""The search page: words in Chinese (or any script) over transcripts, summaries and notes,
for every signed-in user within their scope."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from hotline import review, search
from hotline.extensions import db_session, now, settings
from hotline.models import TicketStatus
from hotline.review import Scope
from hotline.web.dashboard import add_nav_item, labels
from hotline.web.dashboard.auth import scoped
from hotline.web.search.forms import SearchForm

bp = Blueprint("search", __name__, url_prefix="/search")

KIND_LABELS = {
    search.HitKind.TRANSCRIPT: _l("Transcript"),
    search.HitKind.EARLIER: _l("Earlier transcript"),
    search.HitKind.SUMMARY: _l("Summary"),
    search.HitKind.NOTE: _l("Note"),
}


def init_search_pages(app: Flask) -> None:
    """Register the search blueprint and its header link (every role: results are scoped)."""
    app.register_blueprint(bp)
    add_nav_item(app, "search.index", _l("Search"))


@bp.get("")
@scoped
def index(scope: Scope) -> ResponseReturnValue:
    """The search form and, once words are given, one page of what matches."""
    session = db_session()
    form = SearchForm(request.args)
    categories, communities = review.filter_choices(session)
    form.set_choices(
        statuses=[(status.value, labels.label(status)) for status in TicketStatus],
        categories=[(str(c.id), labels.category_name(c)) for c in categories],
        communities=[(str(c.id), c.name) for c in communities],
    )
    results = None
    if form.validate() and form.query:
        timezone = settings().timezone
        results = search.search(
            session,
            scope,
            form.query,
            form.criteria(),
            timezone,
            now().astimezone(ZoneInfo(timezone)).date(),
            form.page_number,
        )
    return render_template(
        "search/index.html",
        form=form,
        results=results,
        kind_labels=KIND_LABELS,
        max_counted=search.MAX_COUNTED,
        max_chars=search.MAX_QUERY_CHARS,
    )
