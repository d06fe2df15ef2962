"""Voice webhooks: parse the carrier's form, call one domain function, commit, render TwiML."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from flask import Blueprint, Response, request
from sqlalchemy.orm import Session

from hotline import calls
from hotline.extensions import db_session, now, settings
from hotline.ivr.loader import load_flow
from hotline.ivr.model import Flow
from hotline.tasks.transcription import enqueue_download
from hotline.verbs import Reply
from hotline.voice.security import twilio_signed
from hotline.voice.twiml import HOOK_PATHS, render

logger = logging.getLogger(__name__)

bp = Blueprint("voice", __name__)

Handler = Callable[[Session, Flow, calls.LinePolicy, Mapping[str, str], datetime], Reply]


def _twiml(reply: Reply) -> Response:
    return Response(render(reply, settings().public_base_url), mimetype="application/xml")


def _int_arg(name: str) -> int:
    try:
        return int(request.args.get(name, ""))
    except ValueError:
        return -1


def _answer(handler: Handler) -> Response:
    """Run a handler in one transaction; on any error the caller is apologised to and sent to
    voicemail, never a 500 to the carrier."""
    session = db_session()
    flow: Flow | None = None
    policy = calls.LinePolicy.from_settings(settings())
    form = request.form.to_dict()
    try:
        flow = load_flow(settings().ivr_flow_path)
        reply = handler(session, flow, policy, form, now())
        session.commit()
    except Exception:
        session.rollback()
        logger.exception("webhook %s failed for call %s", request.path, form.get("CallSid"))
        reply = calls.error_reply(flow, policy)
    return _twiml(reply)


def _missing_sid() -> Response | None:
    if request.form.get("CallSid"):
        return None
    logger.warning("webhook %s without CallSid", request.path)
    return Response("CallSid is required", status=400, mimetype="text/plain")


@bp.post(HOOK_PATHS["incoming"])
@twilio_signed
def incoming() -> Response:
    """A call rings the line."""
    return _missing_sid() or _answer(calls.incoming)


@bp.post(HOOK_PATHS["gather"])
@twilio_signed
def gather() -> Response:
    """The caller pressed keys at a menu, or timed out."""
    step = _int_arg("step")
    return _missing_sid() or _answer(
        lambda s, f, p, form, at: calls.gather(s, f, p, form, step, at)
    )


@bp.post(HOOK_PATHS["dial"])
@twilio_signed
def dial() -> Response:
    """A volunteer's leg ended (DialCallStatus)."""
    index = _int_arg("idx")
    return _missing_sid() or _answer(
        lambda s, f, p, form, at: calls.dial_result(s, f, p, form, index, at)
    )


@bp.post(HOOK_PATHS["screen"])
@twilio_signed
def screen() -> Response:
    """The volunteer's phone was answered: screen before bridging."""
    parent, index = request.args.get("call", ""), _int_arg("idx")
    return _missing_sid() or _answer(
        lambda s, f, p, form, at: calls.screen(s, f, p, form, parent, index, at)
    )


@bp.post(HOOK_PATHS["screen_result"])
@twilio_signed
def screen_result() -> Response:
    """The volunteer pressed a key while screened."""
    parent, index = request.args.get("call", ""), _int_arg("idx")
    return _missing_sid() or _answer(
        lambda s, f, p, form, at: calls.screen_result(s, f, p, form, parent, index, at)
    )


@bp.post(HOOK_PATHS["recording"])
@twilio_signed
def recording() -> Response:
    """The caller finished recording a voicemail."""
    queued: list[int] = []

    def handle(
        s: Session, f: Flow, p: calls.LinePolicy, form: Mapping[str, str], at: datetime
    ) -> Reply:
        update = calls.recording_action(s, f, p, form, at)
        queued.extend(update.enqueue_recordings)
        return update.reply

    response = _missing_sid() or _answer(handle)
    for recording_id in queued:
        enqueue_download(recording_id)
    return response


@bp.post(HOOK_PATHS["recording_status"])
@twilio_signed
def recording_status() -> Response:
    """The carrier's recordingStatusCallback."""
    queued: list[int] = []

    def handle(
        s: Session, f: Flow, p: calls.LinePolicy, form: Mapping[str, str], at: datetime
    ) -> Reply:
        queued.extend(calls.recording_status(s, p, form, at))
        return ()

    response = _missing_sid() or _answer(handle)
    for recording_id in queued:
        enqueue_download(recording_id)
    return response


@bp.post(HOOK_PATHS["status"])
@twilio_signed
def status() -> Response:
    """The carrier's call statusCallback."""

    def handle(
        s: Session, f: Flow, p: calls.LinePolicy, form: Mapping[str, str], at: datetime
    ) -> Reply:
        calls.call_status(s, p, form, at)
        return ()

    return _missing_sid() or _answer(handle)
