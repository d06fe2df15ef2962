"""The ticket page's visit window: when the technician promised to arrive (local time), shown to
the resident on the public page's My tickets."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField
from wtforms.validators import Optional

from hotline.extensions import db_session, now, settings
from hotline.models import Ticket
from hotline.review import Scope
from hotline.tickets import workflow
from hotline.web.dashboard import labels
from hotline.web.dashboard.auth import scoped
from hotline.web.dashboard.forms import Form
from hotline.web.dashboard.routes import _actor, _ticket_to_change, bp

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


class VisitForm(Form):
    """Both ends of the window in local time; both empty clears it."""

    visit_from = DateTimeLocalField(_l("Visit from"), validators=[Optional()], format=LOCAL_MINUTE)
    visit_until = DateTimeLocalField(
        _l("Visit until"), validators=[Optional()], format=LOCAL_MINUTE
    )


def _local(value: datetime | None) -> datetime | None:
    zone = ZoneInfo(settings().timezone)
    return None if value is None else value.astimezone(zone).replace(tzinfo=None)


def _aware(value: datetime | None) -> datetime | None:
    zone = ZoneInfo(settings().timezone)
    return None if value is None else value.replace(tzinfo=zone)


@bp.app_template_global()
def visit_form(ticket: Ticket) -> VisitForm:
    """The visit form of the ticket page, filled with the window set."""
    return VisitForm(
        formdata=None, visit_from=_local(ticket.visit_from), visit_until=_local(ticket.visit_until)
    )


@bp.post("/tickets/<number>/visit")
@scoped
def ticket_visit(scope: Scope, number: str) -> ResponseReturnValue:
    """Set or clear the technician's arrival window."""
    ticket = _ticket_to_change(scope, number)
    form = VisitForm()
    back = redirect(url_for(".ticket_detail", number=number, _anchor="visit"))
    if not form.validate_on_submit():
        flash(_("Enter the visit window as a date and time."), "error")
        return back
    session = db_session()
    try:
        workflow.set_visit(
            session,
            ticket,
            _aware(form.visit_from.data),
            _aware(form.visit_until.data),
            _actor(),
            now(),
            timezone=settings().timezone,
        )
    except workflow.TicketError as error:
        session.rollback()
        flash(_(error.message, **labels.refusal_params(error.params)), "error")
        return back
    session.commit()
    flash(_("Visit window saved."), "info")
    return back
