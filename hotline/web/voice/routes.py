"""Voice webhooks: parse the carrier's form, call one domain function, commit, render TwiML."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Response, request

from hotline import calls
from hotline.calls import callback, survey_call
from hotline.extensions import db_session, now, settings
from hotline.ivr.loader import load_flow
from hotline.ivr.model import Flow
from hotline.messaging.texts import text
from hotline.tasks.calls import enqueue_text_caller
from hotline.tasks.transcription import enqueue_download
from hotline.verbs import HOOK_PATHS, Hangup, Hook, Record, Reply, Say
from hotline.web.voice.params import FIELD_LENGTHS, bounded
from hotline.web.voice.security import twilio_signed
from hotline.web.voice.twiml import render

logger = logging.getLogger(__name__)

bp = Blueprint("voice", __name__)

# What the caller hears when even the apology cannot be built (the flow and the message catalog
# both unusable): voicemail all the same, so nothing is lost. It needs nothing, so it lives here.
LAST_RESORT: Reply = (
    Say("抱歉，系统暂时出现问题，请在提示音后留言。", "zh-CN"),
    Record(Hook("recording"), Hook("recording_status"), 180),
)


def _twiml(reply: Reply) -> Response:
    return Response(render(reply, settings().public_base_url), mimetype="application/xml")


def _int_arg(name: str, digits: int = 4) -> int:
    """A small index or a row id from the query string (ours, in the TwiML); -1 if it is not
    one (a row id stays below 2**31: at most 9 digits)."""
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= digits else -1


def _sid_arg(name: str) -> str:
    """A carrier SID from the query string (ours, in the TwiML); empty if it cannot be one."""
    raw = request.args.get(name, "")
    return raw if len(raw) <= FIELD_LENGTHS["CallSid"] else ""


def _answer(handler: Callable[..., Reply | calls.CallUpdate], **args: object) -> Response:
    """Run one domain handler in one transaction, then queue its recordings.

    On any error the caller is apologised to and sent to voicemail: never a 500 to the carrier.
    """
    form = bounded(request.form)
    if not form.get("CallSid"):
        logger.warning("webhook %s without a usable CallSid", request.path)
        return Response("CallSid is required", status=400, mimetype="text/plain")
    session = db_session()
    flow: Flow | None = None
    policy = calls.LinePolicy.from_settings(settings())
    try:
        flow = load_flow(settings().ivr_flow_path)
        result = handler(session, flow, policy, form, now(), **args)
        session.commit()
    except Exception:
        session.rollback()
        logger.exception("webhook %s failed for call %s", request.path, form.get("CallSid"))
        try:
            return _twiml(calls.error_reply(flow, policy))
        except Exception:
            logger.exception("webhook %s: no apology could be built", request.path)
            return _twiml(LAST_RESORT)
    update = result if isinstance(result, calls.CallUpdate) else calls.CallUpdate(result)
    for recording_id in update.enqueue_recordings:
        enqueue_download(recording_id)
    for ticket_id in update.text_callers:
        enqueue_text_caller(ticket_id)
    return _twiml(update.reply)


HANG_UP: Reply = (Hangup(),)


def _answer_leg(
    handler: Callable[..., Reply], row_id: int, on_error: Reply = HANG_UP, **args: object
) -> Response:
    """Run one handler of an outbound call (a call back, a survey) in one transaction. It is
    not a resident calling in: on any error the line says `on_error` (never a 500)."""
    form = bounded(request.form)
    if not form.get("CallSid"):
        logger.warning("webhook %s without a usable CallSid", request.path)
        return Response("CallSid is required", status=400, mimetype="text/plain")
    session = db_session()
    policy = calls.LinePolicy.from_settings(settings())
    try:
        reply = handler(session, policy, form, now(), row_id, **args)
        session.commit()
    except Exception:
        session.rollback()
        logger.exception("webhook %s failed for row %s", request.path, row_id)
        reply = on_error
    return _twiml(reply)


def _apology() -> Reply:
    """What the agent of a call back hears when the webhook failed."""
    return (Say(text("callback.apology", "zh"), "zh-CN"), Hangup())


@bp.post(HOOK_PATHS["incoming"])
@twilio_signed
def incoming() -> Response:
    """A call rings the line."""
    return _answer(calls.incoming)


@bp.post(HOOK_PATHS["gather"])
@twilio_signed
def gather() -> Response:
    """The caller pressed keys at a menu, or timed out."""
    return _answer(calls.gather, step=_int_arg("step"))


@bp.post(HOOK_PATHS["dial"])
@twilio_signed
def dial() -> Response:
    """A ring group's dial ended (DialCallStatus)."""
    return _answer(calls.dial_result, group=_int_arg("idx"))


@bp.post(HOOK_PATHS["screen"])
@twilio_signed
def screen() -> Response:
    """A volunteer's phone was answered: screen before bridging."""
    return _answer(calls.screen, parent_sid=_sid_arg("call"), index=_int_arg("idx"))


@bp.post(HOOK_PATHS["screen_result"])
@twilio_signed
def screen_result() -> Response:
    """The volunteer pressed a key while screened."""
    return _answer(calls.screen_result, parent_sid=_sid_arg("call"), index=_int_arg("idx"))


@bp.post(HOOK_PATHS["recording"])
@twilio_signed
def recording() -> Response:
    """The caller finished recording a voicemail."""
    return _answer(calls.recording_action)


@bp.post(HOOK_PATHS["recording_status"])
@twilio_signed
def recording_status() -> Response:
    """The carrier's recordingStatusCallback."""
    return _answer(calls.recording_status)


@bp.post(HOOK_PATHS["status"])
@twilio_signed
def status() -> Response:
    """The carrier's call statusCallback."""
    return _answer(calls.call_status)


@bp.post(HOOK_PATHS["reference"])
@twilio_signed
def reference() -> Response:
    """The caller pressed a key while hearing the ticket's reference (star: say it again)."""
    then = "bye" if request.args.get("then") == "bye" else "go"
    return _answer(calls.reference, then=then)


@bp.post(HOOK_PATHS["callback"])
@twilio_signed
def callback_answer() -> Response:
    """The agent of a call back answered: bridge the resident in."""
    return _answer_leg(callback.agent_answered, _int_arg("id", digits=9), _apology())


@bp.post(HOOK_PATHS["callback_dial"])
@twilio_signed
def callback_dial() -> Response:
    """The resident's leg of a call back ended (DialCallStatus)."""
    return _answer_leg(callback.resident_dialled, _int_arg("id", digits=9), _apology())


@bp.post(HOOK_PATHS["callback_status"])
@twilio_signed
def callback_status() -> Response:
    """The carrier's status callback of a call back's agent leg."""
    return _answer_leg(callback.agent_leg_status, _int_arg("id", digits=9), _apology())


@bp.post(HOOK_PATHS["survey"])
@twilio_signed
def survey() -> Response:
    """A resident answered the satisfaction call: ask the question."""
    return _answer_leg(survey_call.survey_answered, _int_arg("ticket", digits=9))


@bp.post(HOOK_PATHS["survey_result"])
@twilio_signed
def survey_result() -> Response:
    """The resident pressed a key to the satisfaction question."""
    return _answer_leg(
        survey_call.survey_result, _int_arg("ticket", digits=9), asked=_int_arg("asked")
    )


@bp.post(HOOK_PATHS["survey_status"])
@twilio_signed
def survey_status() -> Response:
    """The carrier's status callback of a satisfaction call."""
    return _answer_leg(survey_call.survey_status, _int_arg("ticket", digits=9))
