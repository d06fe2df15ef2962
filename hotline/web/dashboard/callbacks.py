"""The ticket page's "call back through the line" panel: ask the line to ring the agent's
mobile, then bridge the resident in, both legs showing the hotline's number."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import InputRequired

from hotline import review
from hotline.calls import callback
from hotline.extensions import db_session, now, settings
from hotline.models import Callback, CallbackStatus, Ticket, TicketSource, User
from hotline.phone import normalize_number
from hotline.review import Scope
from hotline.tasks.calls import enqueue_callback
from hotline.tickets import workflow
from hotline.web.dashboard import labels
from hotline.web.dashboard.auth import scoped, signed_in
from hotline.web.dashboard.forms import Form
from hotline.web.dashboard.routes import bp

# Sources of tickets whose caller never spoke with anyone: the panel is shown first-class.
NEEDS_CALL_BACK = frozenset(
    {TicketSource.ABANDONED, TicketSource.VOICEMAIL_EMPTY, TicketSource.FAILED}
)


CALLBACK_LABELS = {
    CallbackStatus.REQUESTED: _l("Requested"),
    CallbackStatus.DIALING: _l("Ringing the agent"),
    CallbackStatus.BRIDGED: _l("Ringing the resident"),
    CallbackStatus.COMPLETED: _l("Talked"),
    CallbackStatus.FAILED: _l("Not connected"),
}


class CallbackForm(Form):
    """Whom the line rings first: the signed-in user's mobile or the ticket's technician."""

    via = RadioField(
        _l("Ring first"),
        choices=[("me", _l("My mobile")), ("technician", _l("The assigned technician"))],
        default="me",
        validators=[InputRequired()],
    )


@dataclass(frozen=True)
class CallbackPanel:
    """What the panel shows: the form, who can be rung, whether to stand out, recent tries."""

    form: CallbackForm
    can_ring_me: bool
    technician: str
    prominent: bool
    configured: bool
    # The latest call backs with their statuses' names, newest first.
    recent: list[tuple[Callback, str]]


@bp.app_template_global()
def callback_panel(ticket: Ticket) -> CallbackPanel | None:
    """The call back panel for a ticket; None when the ticket has no number to call back."""
    if normalize_number(ticket.caller_number) is None:
        return None
    session = db_session()
    user = session.get(User, signed_in().id)
    technician = ticket.technician
    name = technician.name if technician is not None and technician.active else ""
    form = CallbackForm(formdata=None, via="me" if user and user.volunteer_id else "technician")
    return CallbackPanel(
        form=form,
        can_ring_me=bool(user and user.volunteer_id),
        technician=name,
        prominent=ticket.source in NEEDS_CALL_BACK,
        configured=bool(settings().line_number),
        recent=[(c, str(CALLBACK_LABELS[c.status])) for c in callback.recent(session, ticket)],
    )


@bp.post("/tickets/<number>/callback")
@scoped
def ticket_callback(scope: Scope, number: str) -> ResponseReturnValue:
    """Call the ticket's caller back through the line (queued once the request is saved)."""
    session = db_session()
    try:
        ticket = review.visible_ticket(session, scope, number)
    except review.NotVisible:
        abort(403)
    if ticket is None:
        abort(404)
    form = CallbackForm()
    if not form.validate_on_submit():
        abort(400)
    user = signed_in()
    actor = workflow.Actor(user.display_name or user.username, user_id=user.id)
    try:
        requested = callback.request_callback(
            session, ticket, actor, now(), via=form.via.data, line_number=settings().line_number
        )
    except workflow.TicketError as error:
        session.rollback()
        flash(_(error.message, **labels.refusal_params(error.params)), "error")
        return redirect(url_for(".ticket_detail", number=number))
    session.commit()
    if not enqueue_callback(requested.id):
        callback.give_up(session, requested.id, now(), "could not be queued")
        session.commit()
        flash(_("The call back could not be started. Please try again shortly."), "error")
    elif form.via.data == "me":
        flash(_("The line is ringing your mobile: answer it to be put through."), "info")
    else:
        flash(_("The line is ringing the technician's mobile."), "info")
    return redirect(url_for(".ticket_detail", number=number))
