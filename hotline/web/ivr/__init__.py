"""The phone menu's page (`/ivr`, supervisors and admins): the flow as a picture beside each
prompt's text in every language, with its version and the check's findings."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from hotline.extensions import settings
from hotline.ivr.diagram import INSTALL_HINT, DotMissing, dot_path, render_svg, to_dot
from hotline.ivr.loader import load_flow
from hotline.ivr.model import Flow, FlowError, Prompt
from hotline.ivr.validate import Findings, check_file, findings, prompt_places, said_in
from hotline.models import Role
from hotline.web.dashboard import add_nav_item
from hotline.web.kpi.routes import supervisors_only

bp = Blueprint("ivr", __name__, url_prefix="/ivr")
SUPERVISORS = frozenset({Role.ADMIN, Role.SUPERVISOR})
# dot takes tens of milliseconds: draw each version of the flow once per process.
_svg = functools.lru_cache(maxsize=4)(render_svg)


@dataclass(frozen=True)
class PromptRow:
    """One prompt of the flow on the page: where it is said and its text per language."""

    where: str
    what: str
    texts: list[tuple[str, str]]  # (language code, text or "" if missing)


def init_ivr_pages(app: Flask) -> None:
    """Register the phone menu's page and its header link (supervisors and admins)."""
    app.register_blueprint(bp)
    add_nav_item(app, "ivr.index", _l("Phone menu"), roles=SUPERVISORS)


def _rows(flow: Flow) -> list[PromptRow]:
    codes = [language.code for language in flow.languages]

    def texts(prompt: Prompt) -> list[tuple[str, str]]:
        # Each language it has a text for or is said in; an empty text is a finding.
        return [
            (code, prompt.text.get(code, ""))
            for code in codes
            if code in prompt.text or code in said_in(flow, prompt)
        ]

    return [PromptRow(where, what, texts(prompt)) for where, what, prompt in prompt_places(flow)]


def _flow(path: Path) -> tuple[Flow | None, list[str]]:
    """The configured flow (None if it cannot be loaded) and every line of its check."""
    try:
        return load_flow(path), check_file(path)
    except FlowError:
        return None, check_file(path)


@bp.get("/")
@supervisors_only
def index() -> ResponseReturnValue:
    """The picture, the prompts in each language, the version and the findings."""
    path = settings().ivr_flow_path
    flow, problems = _flow(path)
    found: Findings | None = findings(flow) if flow is not None else None
    return render_template(
        "ivr/index.html",
        flow=flow,
        path=path.name,
        problems=problems,
        found=found,
        rows=_rows(flow) if flow is not None else [],
        dot_missing=INSTALL_HINT if flow is not None and dot_path() is None else None,
    )


@bp.get("/diagram.svg")
@supervisors_only
def diagram() -> ResponseReturnValue:
    """The flow's picture as an SVG image (drawn by Graphviz from the loaded, checked flow)."""
    path = settings().ivr_flow_path
    flow, _ = _flow(path)
    if flow is None:
        abort(404)
    try:
        svg = _svg(to_dot(flow, findings(flow)))
    except DotMissing:
        abort(404)
    return Response(svg, mimetype="image/svg+xml")
