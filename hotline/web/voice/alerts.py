"""The urgent-voicemail alert call's webhooks (hotline.triage.escalation places the call): the
spoken alert, and the call's status reports. Signed like every webhook; never a 500."""

from __future__ import annotations

import logging

from flask import Response, request

from hotline import triage
from hotline.extensions import db_session, settings
from hotline.triage import escalation
from hotline.web.voice.routes import bp
from hotline.web.voice.security import twilio_signed
from hotline.web.voice.twiml import spoken_alert

logger = logging.getLogger(__name__)

SAY_LANGUAGE = "zh-CN"
# Said when the alert cannot be looked up (a database error): still an alert, never silence.
FALLBACK = "这里是关爱热线紧急提醒，有一条紧急留言，请立即查看短信并处理。"


def _recording_arg() -> int:
    """The recording id from our own query string; -1 if it is not one."""
    raw = request.args.get("rec", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else -1


@bp.post(escalation.ALERT_PATH)
@twilio_signed
def triage_alert() -> Response:
    """The on-duty volunteer answered the alert call: say what is urgent and the ticket."""
    session = db_session()
    try:
        try:
            rules = triage.rules_for()
        except triage.RulesError:
            rules = None
        text = escalation.spoken_alert(session, _recording_arg(), rules)
    except Exception:
        logger.exception("triage alert for recording %s failed", request.args.get("rec"))
        text = FALLBACK
    finally:
        session.rollback()
    voice = dict(settings().tts_voices).get(SAY_LANGUAGE, "")
    return Response(spoken_alert(text, SAY_LANGUAGE, voice), mimetype="application/xml")


@bp.post(escalation.ALERT_STATUS_PATH)
@twilio_signed
def triage_alert_status() -> Response:
    """The alert call's progress (answered, no-answer, busy ...): logged, nothing else."""
    logger.info(
        "triage alert call %s: %s",
        request.form.get("CallSid", "")[:64],
        request.form.get("CallStatus", "")[:32],
    )
    return Response(status=204)
