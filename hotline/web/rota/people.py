"""The people pickers' search (JSON): volunteers (and technicians) by name or number, for
staff's forms."""

from __future__ import annotations

from dataclasses import asdict

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from hotline import rota
from hotline.extensions import db_session
from hotline.web.rota import bp, supervisors_only
from hotline.web.rota.forms import PeopleQueryForm


@bp.get("/people.json")
@supervisors_only
def people() -> ResponseReturnValue:
    """Active volunteers (technicians first with `technicians=1`) matching `q` (a name's part
    or a number's digits), best first."""
    form = PeopleQueryForm(request.args)
    if not form.validate():
        return jsonify(people=[]), 400
    found = rota.search_people(
        db_session(), form.q.data or "", form.how_many(), technicians=form.technicians.data
    )
    return jsonify(people=[asdict(person) for person in found])
