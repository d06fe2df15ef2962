"""The residents' public page at /r: prove a number by an SMS code, report a problem (with up
to 3 photos), and follow one's tickets ("My tickets"). No account: a verified number is a
marker in the signed session cookie, valid for VERIFIED_FOR."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask import session as cookie
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from hotline.extensions import db_session, limiter, now, settings, telephony
from hotline.models import Ticket
from hotline.online import my_tickets, submission, verification
from hotline.phone import mask_number
from hotline.photos import ProcessedPhoto, accept_photo
from hotline.refusal import Refused
from hotline.tasks.calls import enqueue_text_caller
from hotline.tickets import offered_categories
from hotline.web.dashboard import labels
from hotline.web.online.forms import (
    MAX_PHOTOS,
    CodeForm,
    ConfirmForm,
    NoteForm,
    NumberForm,
    PhotoForm,
    ReportForm,
)

P = ParamSpec("P")
R = TypeVar("R")

bp = Blueprint("online", __name__, url_prefix="/r")

VERIFIED_FOR = timedelta(minutes=30)
# Room for the form's fields besides its photos.
FIELDS_MAX_BYTES = 100_000
# POSTs per client address (Flask-Limiter), besides the code sends counted in the database.
POSTS_PER_ADDRESS = "30 per 15 minutes"
VERIFIED = "online_number"
PENDING = "online_pending"


def _address() -> str:
    # The connection's address: the app runs no ProxyFix (see dashboard.throttle).
    return request.remote_addr or ""


def _address_key() -> str:
    return f"online:{_address() or 'unknown'}"


def limited(view: Callable[P, R]) -> Callable[P, R]:
    """At most POSTS_PER_ADDRESS of the view's POSTs per client address."""
    limit = limiter.limit(POSTS_PER_ADDRESS, key_func=_address_key, methods=["POST"])
    return limit(view)


def bound_request_size() -> None:
    """A public page's request is read up to its photos and fields (413 past it). Runs before
    CSRFProtect, which reads the form first (init_online_pages puts it there)."""
    if request.blueprint == bp.name:
        request.max_content_length = MAX_PHOTOS * settings().photo_max_bytes + FIELDS_MAX_BYTES


def verified_number() -> str | None:
    """The number this browser proved, while its marker lasts."""
    marker = cookie.get(VERIFIED)
    if not isinstance(marker, dict):
        return None
    if float(marker.get("until", 0)) <= now().timestamp():
        cookie.pop(VERIFIED, None)
        return None
    number = marker.get("number")
    return number if isinstance(number, str) else None


def verified(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """The view runs with the verified number as its first argument; without one the
    resident is sent to prove it first, then back."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        number = verified_number()
        if number is None:
            then = "mine" if request.endpoint != "online.report" else "new"
            return redirect(url_for(".start", then=then))
        return view(number, *args, **kwargs)

    return wrapper


def _refusal(refused: Refused) -> str:
    return str(_(refused.message, **labels.refusal_params(refused.params)))


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "zh"


def _photos(files: list[FileStorage] | None) -> list[ProcessedPhoto]:
    """The chosen files, each read up to the limit and checked by content (else PhotoRefused,
    a Refused)."""
    chosen = [f for f in files or [] if f.filename]
    limit = settings().photo_max_bytes
    return [accept_photo(f.stream.read(limit + 1), limit) for f in chosen]


def _then(value: str | None) -> str:
    return "mine" if value == "mine" else "new"


@bp.route("", methods=["GET", "POST"])
@limited
def start() -> ResponseReturnValue:
    """Step 1: the mobile number, texted a code."""
    then = _then(request.args.get("then"))
    if verified_number() is not None:
        return redirect(url_for(".mine" if then == "mine" else ".report"))
    form = NumberForm()
    error = None
    if form.validate_on_submit():
        if form.is_robot():
            return redirect(url_for(".code"))
        session = db_session()
        try:
            sent = verification.send_code(
                session,
                form.number.data,
                _address(),
                now(),
                secret=settings().secret_key,
                send_sms=telephony().send_sms,
                commit=session.commit,
                language=_language(),
            )
        except verification.VerificationRefused as refused:
            session.rollback()
            error = _refusal(refused)
        else:
            if not sent.delivered:
                error = _("The SMS could not be sent. Please try again in a minute.")
            else:
                cookie[PENDING] = {"number": sent.number, "then": then}
                return redirect(url_for(".code"))
    return render_template("online/start.html", form=form, error=error, then=then), (
        400 if error or form.errors else 200
    )


@bp.route("/code", methods=["GET", "POST"])
@limited
def code() -> ResponseReturnValue:
    """Step 2: the code from the SMS; right, and the number is this browser's for a while."""
    pending = cookie.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("number"), str):
        return redirect(url_for(".start"))
    number, then = pending["number"], _then(pending.get("then"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        if form.is_robot():
            return redirect(url_for(".start"))
        session = db_session()
        try:
            verification.check_code(
                session, number, form.code.data, now(), secret=settings().secret_key
            )
        except verification.VerificationRefused as refused:
            session.commit()  # the wrong try counts
            error = _refusal(refused)
        else:
            session.commit()
            cookie.pop(PENDING, None)
            until = (now() + VERIFIED_FOR).timestamp()
            cookie[VERIFIED] = {"number": number, "until": until}
            return redirect(url_for(".mine" if then == "mine" else ".report"))
    page = render_template("online/code.html", form=form, error=error, masked=mask_number(number))
    return page, 400 if error or form.errors else 200


def _report_choices(form: ReportForm) -> list[object]:
    """Offer the categories and communities; returns their rows, which the view keeps so the
    session's identity map still holds them when the report looks them up by id."""
    session = db_session()
    categories = offered_categories(session)
    communities = submission.communities(session)
    form.set_choices(
        [(str(c.id), labels.category_name(c)) for c in categories],
        [(str(c.id), c.name) for c in communities],
    )
    return [*categories, *communities]


@bp.route("/new", methods=["GET", "POST"])
@limited
@verified
def report(number: str) -> ResponseReturnValue:
    """Step 3: what and where, with photos; filed as a ticket and its reference texted."""
    session = db_session()
    form = ReportForm()
    _offered = _report_choices(form)  # kept alive for the report's look-ups
    if request.method == "GET":
        known = submission.known_resident(session, number)
        if known is not None:
            form.community.data = str(known.community_id or "")
            form.address.data = known.address
    error = None
    if form.validate_on_submit():
        if form.is_robot():
            return redirect(url_for(".start"))
        try:
            ticket = submission.submit(
                session,
                number,
                form.report(),
                now(),
                timezone=settings().timezone,
                sla_hours=settings().ticket_sla_hours,
                address=_address(),
                photos=_photos(form.photos.data),
                photos_dir=settings().recordings_dir,
            )
        except Refused as refused:
            session.rollback()
            error = _refusal(refused)
        else:
            session.commit()
            enqueue_text_caller(ticket.id)
            return redirect(url_for(".done", ticket_number=ticket.number))
    page = render_template("online/report.html", form=form, error=error, masked=mask_number(number))
    return page, 400 if error or form.errors else 200


def _own_ticket(number: str, ticket_number: str) -> Ticket:
    """The verified number's ticket (404 for anyone else's or none)."""
    ticket = my_tickets.ticket_of(db_session(), number, ticket_number[:16])
    if ticket is None:
        abort(404)
    return ticket


@bp.get("/done/<ticket_number>")
@verified
def done(number: str, ticket_number: str) -> ResponseReturnValue:
    """Step 4: the reference to quote, also texted."""
    return render_template("online/done.html", ticket=_own_ticket(number, ticket_number))


@bp.get("/mine")
@verified
def mine(number: str) -> ResponseReturnValue:
    """The number's tickets, from calls and from the web, with their public timelines."""
    items = my_tickets.tickets_of(db_session(), number)
    return render_template(
        "online/mine.html",
        items=items,
        masked=mask_number(number),
        note_form=NoteForm(formdata=None),
        photo_form=PhotoForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
    )


def _change(done_message: str, change: Callable[[], object]) -> ResponseReturnValue:
    session = db_session()
    try:
        change()
    except Refused as refused:
        session.rollback()
        return render_template("online/error.html", message=_refusal(refused)), 400
    session.commit()
    return redirect(url_for(".mine", done=done_message))


@bp.post("/mine/<ticket_number>/note")
@limited
@verified
def add_note(number: str, ticket_number: str) -> ResponseReturnValue:
    """The resident's note on their ticket."""
    ticket = _own_ticket(number, ticket_number)
    form = NoteForm()
    if not form.validate_on_submit() or form.is_robot():
        abort(400)
    note = form.note.data or ""
    return _change("note", lambda: my_tickets.add_note(db_session(), ticket, note, now()))


@bp.post("/mine/<ticket_number>/photos")
@limited
@verified
def add_photos(number: str, ticket_number: str) -> ResponseReturnValue:
    """More photos on the resident's ticket."""
    ticket = _own_ticket(number, ticket_number)
    form = PhotoForm()
    if not form.validate_on_submit() or form.is_robot():
        abort(400)
    return _change(
        "photo",
        lambda: my_tickets.add_photos(
            db_session(),
            ticket,
            _photos(form.photos.data),
            now(),
            directory=settings().recordings_dir,
        ),
    )


@bp.post("/mine/<ticket_number>/confirm")
@limited
@verified
def confirm(number: str, ticket_number: str) -> ResponseReturnValue:
    """The resident confirms it is fixed and rates it."""
    ticket = _own_ticket(number, ticket_number)
    form = ConfirmForm()
    if not form.validate_on_submit() or form.is_robot():
        abort(400)
    score = int(form.score.data)
    return _change("rated", lambda: my_tickets.confirm_fixed(db_session(), ticket, score, now()))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Forget the verified number on this browser."""
    cookie.pop(VERIFIED, None)
    cookie.pop(PENDING, None)
    return redirect(url_for(".start"))


@bp.errorhandler(RateLimitExceeded)
def throttled(_error: RateLimitExceeded) -> ResponseReturnValue:
    """Too many tries from this connection."""
    message = _("Too many tries from this connection. Please wait a while and try again.")
    return render_template("online/error.html", message=message), 429


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge) -> ResponseReturnValue:
    """Photos larger than the page takes."""
    megabytes = settings().photo_max_bytes // 1_000_000
    message = _("The photos are too large: up to %(mb)s MB each.", mb=megabytes)
    return render_template("online/error.html", message=message), 413
