"""Routes of the ticket photos. Each parses its input, calls one function of hotline.photos,
commits, then sends the file, renders or redirects. Photos go out with their stored type and
`Cache-Control: private`, never from a public static path."""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from hotline import photos
from hotline.extensions import db_session, now, settings
from hotline.models import Ticket, TicketPhoto
from hotline.review import NotVisible, Scope
from hotline.review.voicemail import Actor
from hotline.web.audit import client_address
from hotline.web.dashboard import labels
from hotline.web.dashboard.auth import scoped, signed_in
from hotline.web.photos.forms import ACCEPT, PhotoForm

bp = Blueprint("photos", __name__)
# The upload's other fields (its CSRF token) and the multipart framing, besides the photo.
FIELDS_MAX_BYTES = 64 * 1024


def _actor() -> Actor:
    user = signed_in()
    return Actor(user.id, user.username, client_address())


def _send(found: photos.StoredPhoto) -> Response:
    response = send_file(found.path, mimetype=found.content_type, conditional=True, max_age=None)
    # A resident's photo may show their home: the viewer's browser may keep it, shared
    # caches may not (send_file set its own header).
    response.headers["Cache-Control"] = "private"
    return response


@bp.get("/tickets/<number>/photos/<id:photo_id>")
@scoped
def photo(scope: Scope, number: str, photo_id: int) -> ResponseReturnValue:
    """A photo of a ticket, for those who may see the ticket; each view is audited."""
    session = db_session()
    try:
        found = photos.view_photo(
            session, scope, number, photo_id, settings().recordings_dir, _actor()
        )
    except NotVisible:
        abort(403)
    if found is None:
        abort(404)
    session.commit()
    return _send(found)


def bound_upload_size() -> None:
    """An upload is read up to the photo limit and its fields (413 past it), before anything
    reads its form (init_photo_pages runs this first)."""
    if request.endpoint == "photos.add":
        request.max_content_length = settings().photo_max_bytes + FIELDS_MAX_BYTES


def _back_to_ticket(number: str) -> ResponseReturnValue:
    return redirect(url_for("dashboard.ticket_detail", number=number, _anchor="photos"))


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(_error: RequestEntityTooLarge) -> ResponseReturnValue:
    """An upload over the limit, refused unread: back to the ticket, saying why."""
    refused = photos.too_large(settings().photo_max_bytes)
    flash(_(refused.message, **refused.params), "error")
    return _back_to_ticket(str((request.view_args or {}).get("number", "")))


@bp.post("/tickets/<number>/photos")
@scoped
def add(scope: Scope, number: str) -> ResponseReturnValue:
    """Add a photo to a ticket (anyone who may see it); checked, re-encoded and audited."""
    back = _back_to_ticket(number)
    form = PhotoForm()
    if not form.validate_on_submit():
        flash(_("Choose a photo to add."), "error")
        return back
    max_bytes = settings().photo_max_bytes
    session = db_session()
    try:
        # One byte over the limit is enough to refuse it; nothing larger is read.
        processed = photos.accept_photo(form.photo.data.read(max_bytes + 1), max_bytes)
        added = photos.add_photo(
            session, scope, number, processed, settings().recordings_dir, _actor(), now()
        )
    except NotVisible:
        abort(403)
    except photos.PhotoRefused as error:
        session.rollback()
        flash(_(error.message, **labels.refusal_params(error.params)), "error")
        return back
    if added is None:
        abort(404)
    session.commit()
    flash(_("Photo added."), "info")
    return back


@dataclass(frozen=True)
class TicketPhotos:
    """The ticket page's photo panel: the ticket's photos and the upload form."""

    photos: list[TicketPhoto]
    form: PhotoForm
    accept: str = ACCEPT


def ticket_photos(ticket: Ticket) -> TicketPhotos:
    """The ticket page's photo panel (the page has already checked the viewer's scope)."""
    return TicketPhotos(photos.photos_of(db_session(), ticket.id), PhotoForm(formdata=None))


def _linked_ticket(token: str) -> int:
    """The ticket a technician's link names; 404 for a forged, mangled or expired one (a page
    saying so: the technician cannot tell them apart, and needs a new link either way)."""
    ticket_id = photos.PhotoLinks.of(settings()).ticket_id(token, now())
    if ticket_id is None:
        abort(make_response(render_template("photos/link_expired.html"), 404))
    return ticket_id


@bp.get("/p/<token>")
def shared(token: str) -> ResponseReturnValue:
    """The photos of the ticket a technician's signed link names, while the link works."""
    found = photos.shared_photos(db_session(), _linked_ticket(token))
    if found is None:
        abort(404)
    ticket, listed = found
    return render_template("photos/shared.html", ticket=ticket, photos=listed, token=token)


@bp.get("/p/<token>/<id:photo_id>")
def shared_photo(token: str, photo_id: int) -> ResponseReturnValue:
    """One photo through a technician's signed link, audited with the client's address."""
    session = db_session()
    found = photos.view_shared_photo(
        session, _linked_ticket(token), photo_id, settings().recordings_dir, client_address()
    )
    if found is None:
        abort(404)
    session.commit()
    return _send(found)
