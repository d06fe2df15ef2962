"""Routes of the review pages. Each parses its input, calls one function of
hotline.review.voicemail, commits, then renders, redirects or sends the file."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from hotline.extensions import db_session, now, settings
from hotline.models import Role, Ticket
from hotline.refusal import Refused
from hotline.review import NotVisible, Scope, voicemail
from hotline.tasks.triage import enqueue_escalation
from hotline.web.dashboard import paging
from hotline.web.dashboard.auth import scoped, signed_in
from hotline.web.dashboard.forms import QueryForm
from hotline.web.review.forms import SAVE_AND_NEXT, CorrectionForm

bp = Blueprint("review", __name__, url_prefix="/review")
SUPERVISORS = frozenset({Role.ADMIN, Role.SUPERVISOR})
# Longest id a query string may name (the diff's version).
_ID_DIGITS = 10


def _actor() -> voicemail.Actor:
    user = signed_in()
    return voicemail.Actor(user.id, user.username, (request.remote_addr or "")[:64])


def _supervisor() -> None:
    if signed_in().role not in SUPERVISORS:
        abort(403)


@bp.get("")
@scoped
def queue(scope: Scope) -> ResponseReturnValue:
    """Voicemails waiting for review, urgent first, then oldest (supervisors and admins)."""
    _supervisor()
    form = QueryForm(request.args)
    session = db_session()
    page = paging.existing_page(
        lambda number: voicemail.review_queue(session, number),
        form.page_number if form.validate() else 1,
    )
    return render_template("review/queue.html", page=page)


def _diff_id() -> int | None:
    value = request.args.get("diff", "")
    if value.isascii() and value.isdigit() and len(value) <= _ID_DIGITS:
        return int(value)
    return None


def _page(
    scope: Scope, recording_id: int, form: CorrectionForm | None = None, code: int = 200
) -> ResponseReturnValue:
    session = db_session()
    try:
        view = voicemail.voicemail(
            session, scope, recording_id, settings().recordings_dir, _actor()
        )
    except NotVisible:
        abort(403)
    if view is None:
        abort(404)
    session.commit()  # the view's audit entry
    if form is None:
        form = CorrectionForm(
            formdata=None,
            text=view.current.text if view.current else "",
            base=str(view.current.id) if view.current else "",
        )
    return (
        render_template(
            "review/voicemail.html",
            view=view,
            form=form,
            diff=view.diff(_diff_id()),
            full=scope.everything,
        ),
        code,
    )


@bp.get("/<id:recording_id>")
@scoped
def review_page(scope: Scope, recording_id: int) -> ResponseReturnValue:
    """One voicemail: its audio, timed transcript, versions and the correction form."""
    return _page(scope, recording_id)


@bp.post("/<id:recording_id>")
@scoped
def save(scope: Scope, recording_id: int) -> ResponseReturnValue:
    """Save a correction (a new version if the text changed); with save-and-next also mark it
    reviewed and go to the next voicemail in the queue."""
    _supervisor()
    form = CorrectionForm()
    if not form.validate():
        return _page(scope, recording_id, form, 400)
    session = db_session()
    going_on = form.action.data == SAVE_AND_NEXT
    try:
        saved = voicemail.save(
            session,
            scope,
            recording_id,
            str(form.text.data or ""),
            form.base_id,
            _actor(),
            now(),
            mark_reviewed=going_on,
        )
    except NotVisible:
        abort(403)
    except Refused as error:
        session.rollback()
        flash(_(error.message, **error.params), "error")
        return _page(scope, recording_id, form, 409)
    if saved is None:
        abort(404)
    session.commit()
    if saved.escalate:
        # After the commit: the alert task claims the recording in a transaction of its own.
        enqueue_escalation(saved.recording_id)
    if saved.changed:
        flash(_("The correction is saved as a new version."), "success")
    if going_on:
        flash(_("Marked as reviewed."), "success")
        following = voicemail.next_in_queue(session, after=recording_id)
        if following is None:
            flash(_("No more voicemails wait for review."), "success")
            return redirect(url_for(".queue"))
        return redirect(url_for(".review_page", recording_id=following))
    return redirect(url_for(".review_page", recording_id=recording_id))


def _audited(download: bool) -> bool:
    """A play is audited once: its first request (no Range, or one from the start); the
    player's later range requests (seeking, buffering) are the same play."""
    if request.method == "HEAD":
        return False
    if download:
        return True
    wanted = request.headers.get("Range", "")
    return not wanted or wanted.replace(" ", "").startswith("bytes=0-")


@bp.get("/<id:recording_id>/audio")
@scoped
def audio(scope: Scope, recording_id: int) -> ResponseReturnValue:
    """The voicemail's audio (WAV, with HTTP Range for seeking), for those who may see it;
    ?download=1 as a file. Each play and download is audited."""
    download = request.args.get("download") == "1"
    session = db_session()
    try:
        played = voicemail.playback(
            session,
            scope,
            recording_id,
            settings().recordings_dir,
            _actor(),
            download=download,
            audited=_audited(download),
        )
    except NotVisible:
        abort(403)
    if played is None:
        abort(404)
    if played.path is None:
        abort(410 if played.reason == "deleted" else 404)
    session.commit()
    response = send_file(
        played.path,
        mimetype="audio/wav",
        conditional=True,
        as_attachment=download,
        download_name=played.name,
        max_age=None,
    )
    # Callers' voices stay out of every cache, like the pages (send_file set its own header).
    response.headers["Cache-Control"] = "no-store"
    return response


def ticket_voicemail(ticket: Ticket) -> voicemail.VoicemailView | None:
    """The ticket page's player: the ticket's voicemail as the viewer may see it (read-only for
    volunteers), or None."""
    return voicemail.for_ticket(db_session(), signed_in().scope, ticket, settings().recordings_dir)
