"""POST /sms/incoming: the carrier's Messaging webhook. Signed like the voice webhooks; parses
the form, calls hotline.dispatch.receive, commits, queues what must follow (a decline told to
supervisors), and answers with TwiML <Message>. Never a 500 to the carrier."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from hotline import dispatch
from hotline.extensions import db_session, now
from hotline.messaging.texts import text
from hotline.phone import mask_number
from hotline.tasks.dispatch import notify_decline
from hotline.web.sms.params import bounded
from hotline.web.voice.security import twilio_signed
from hotline.web.voice.twiml import render_message

logger = logging.getLogger(__name__)

bp = Blueprint("sms", __name__, url_prefix="/sms")


def _message(body: str) -> Response:
    return Response(render_message(body), mimetype="application/xml")


@bp.post("/incoming")
@twilio_signed
def incoming() -> Response:
    """An SMS to the line: a technician's command or a resident's score."""
    form = bounded(request.form)
    if "MessageSid" not in form or "From" not in form:
        logger.warning("sms webhook without a usable MessageSid or From")
        return Response("MessageSid and From are required", status=400, mimetype="text/plain")
    session = db_session()
    sms = dispatch.Incoming(form["MessageSid"], form["From"], form["Body"])
    try:
        outcome = dispatch.receive(session, sms, now())
        session.commit()
    except Exception:
        session.rollback()
        logger.exception("sms %s from %s failed", sms.message_sid, mask_number(sms.from_number))
        try:
            return _message(text("sms.reply_error"))
        except Exception:
            logger.exception("sms %s: no apology could be built", sms.message_sid)
            return _message("")
    logger.info(
        "sms %s from %s: %s", sms.message_sid, mask_number(sms.from_number), outcome.outcome
    )
    if outcome.declined_event_id is not None:
        try:
            notify_decline.delay(outcome.declined_event_id)
        except Exception:
            # The ticket is already back to open on the dashboard; the SMS is a courtesy.
            logger.exception("could not queue the decline notice of sms %s", sms.message_sid)
    return _message(outcome.reply)
