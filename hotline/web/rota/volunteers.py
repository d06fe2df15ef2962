"""Volunteers' rota pages (mobile): my shifts, swaps to offer and take, my leave, the iCal feed.

Calling off leave and withdrawing a swap are here too: a volunteer does it for their own, and a
supervisor for anyone (back to the supervisors' page).
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import segno
from flask import Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup

from hotline import rota
from hotline.extensions import db_session, now, settings
from hotline.web.dashboard.auth import login_required, signed_in
from hotline.web.rota import (
    SUPERVISORS,
    bp,
    flash_refusal,
    local_zone,
    record_leave,
    run_action,
    volunteer,
)
from hotline.web.rota.forms import ActionForm, LeaveForm, OfferForm

# My shifts shows the next few shifts open; later ones are folded by week.
NEXT_SHOWN = 3


@bp.post("/leave/<id:leave_id>/cancel")
@login_required
def cancel_leave(leave_id: int) -> ResponseReturnValue:
    """Call off leave: a supervisor any, a volunteer their own."""
    supervisor = signed_in().role in SUPERVISORS
    owner = None if supervisor else volunteer()
    return run_action(
        lambda: rota.cancel_leave(db_session(), leave_id, now(), volunteer_id=owner),
        _("Leave called off."),
        ".leave" if supervisor else ".mine",
    )


@bp.post("/swaps/<id:swap_id>/cancel")
@login_required
def cancel_swap(swap_id: int) -> ResponseReturnValue:
    """Withdraw a swap: a supervisor any, a volunteer their own."""
    user = signed_in()
    supervisor = user.role in SUPERVISORS
    offerer = None if supervisor else volunteer()
    return run_action(
        lambda: rota.cancel_swap(db_session(), swap_id, now(), volunteer_id=offerer),
        _("Swap withdrawn."),
        ".swaps" if supervisor else ".mine",
    )


@bp.post("/swaps/<id:swap_id>/take")
@login_required
def take_swap(swap_id: int) -> ResponseReturnValue:
    """Take a window another volunteer offers."""
    taker = volunteer()
    approval = settings().swap_requires_approval
    return run_action(
        lambda: rota.take_swap(db_session(), swap_id, taker, now(), requires_approval=approval),
        _("You took the shift; a supervisor will confirm it.")
        if approval
        else _("You took the shift."),
        ".mine",
    )


@bp.post("/me/offer")
@login_required
def offer_swap() -> ResponseReturnValue:
    """Offer one of my shifts to other volunteers."""
    offerer = volunteer()
    form = OfferForm()
    window = form.window() if form.validate_on_submit() else None
    if window is None:
        abort(400)
    session = db_session()
    try:
        rota.offer_swap(
            session,
            volunteer_id=offerer,
            layer=form.layer.data,
            starts_at=window[0],
            ends_at=window[1],
            now=now(),
            note=form.note.data or "",
        )
    except rota.RotaError as error:
        session.rollback()
        flash_refusal(error)
    else:
        session.commit()
        flash(_("Your shift is on offer."), "info")
    return redirect(url_for(".mine"))


@bp.get("/me")
@login_required
def mine() -> ResponseReturnValue:
    """My shifts, swaps I can take, my own offers, my leave and my calendar feed (mobile)."""
    return _my_page(volunteer(), LeaveForm(formdata=None))


@bp.post("/me/leave")
@login_required
def take_my_leave() -> ResponseReturnValue:
    """Record my own leave; the page warns about the shifts it empties."""
    volunteer_id = volunteer()
    form = LeaveForm()
    if form.validate_on_submit() and record_leave(form, lambda _session: volunteer_id):
        return redirect(url_for(".mine"))
    return _my_page(volunteer_id, form)


Week = tuple[date, list[rota.ShiftWindow]]


def by_week(shifts: list[rota.ShiftWindow], zone: ZoneInfo) -> list[Week]:
    """Shifts grouped by the local Monday of the week they start in, in order."""
    weeks: dict[date, list[rota.ShiftWindow]] = {}
    for shift in shifts:
        day = shift.starts_at.astimezone(zone).date()
        weeks.setdefault(day - timedelta(days=day.weekday()), []).append(shift)
    return list(weeks.items())


def subscription(feed_url: str) -> tuple[str, Markup]:
    """The feed as a webcal:// address (phones open it in their calendar app, subscribed) and
    that address as an inline SVG QR code, to scan from a computer's screen."""
    webcal = "webcal://" + feed_url.split("://", 1)[1]
    code = segno.make(webcal, error="m")
    # segno writes the SVG from the address alone: no user text reaches the markup.
    svg = code.svg_inline(scale=4, border=2, svgclass="qr", lineclass=None, title=_("iCal QR code"))
    return webcal, Markup(svg)  # noqa: S704


def _my_page(volunteer_id: int, leave_form: LeaveForm) -> ResponseReturnValue:
    session = db_session()
    moment = now()
    token = rota.feed_token(session, volunteer_id)
    session.commit()
    shifts = rota.upcoming_shifts(session, volunteer_id, moment)
    feed_url = settings().public_base_url + url_for(".feed", token=token)
    webcal, qr = subscription(feed_url)
    return render_template(
        "rota/mine.html",
        next_shifts=shifts[:NEXT_SHOWN],
        later_weeks=by_week(shifts[NEXT_SHOWN:], local_zone()),
        available=rota.available_swaps(session, volunteer_id, moment),
        offered=rota.swaps_offered_by(session, volunteer_id, moment),
        leave=rota.upcoming_leave(session, moment, volunteer_id=volunteer_id),
        leave_form=leave_form,
        feed_url=feed_url,
        webcal_url=webcal,
        feed_qr=qr,
        action=ActionForm(),
        now=moment,
    )


@bp.get("/calendar/<token>.ics")
def feed(token: str) -> ResponseReturnValue:
    """A volunteer's shifts as iCal, for phone calendars; the secret token is the only key."""
    document = rota.ical_feed(db_session(), token, now())
    if document is None:
        abort(404)
    return Response(document, mimetype="text/calendar")
