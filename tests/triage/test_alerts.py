"""The alert call's webhooks: signed, the spoken alert as TwiML, status reports acknowledged."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline import triage
from hotline.db import utcnow
from tests import helpers
from tests.factories import CallFactory, RecordingFactory, TicketFactory

CALL = {"CallSid": "CA" + "1" * 32, "CallStatus": "in-progress"}


def said(response: TestResponse) -> list[ET.Element]:
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    return list(root)


def test_the_alert_says_the_reference_digit_by_digit_and_why(
    session: Session,
    twilio_post: Callable[..., TestResponse],
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    helpers.configure(app, monkeypatch, tts_voices=(("zh-CN", "Polly.Zhiyu"),))
    call = CallFactory()
    recording = RecordingFactory(call=call)
    TicketFactory(call_id=call.id, recording_id=recording.id, ref="4821")
    triage.apply(session, recording, "厨房漏气了", utcnow())
    session.commit()
    verbs = said(twilio_post(f"/voice/triage-alert?rec={recording.id}", CALL))
    assert [v.tag for v in verbs] == ["Say", "Say", "Hangup"]
    text = "这里是关爱热线紧急提醒。工单 4 8 2 1，疑似燃气泄漏。请立即查看短信并处理。"
    for say in verbs[:2]:
        assert say.text == text
        assert say.attrib == {"language": "zh-CN", "voice": "Polly.Zhiyu"}


def test_an_unknown_recording_still_gets_an_alert(
    session: Session, twilio_post: Callable[..., TestResponse]
) -> None:
    for query in ("?rec=999999", "?rec=abc", "?rec=" + "9" * 40, ""):
        verbs = said(twilio_post(f"/voice/triage-alert{query}", CALL))
        assert verbs[0].text == "这里是关爱热线紧急提醒，有一条紧急留言，请立即查看短信并处理。"


def test_a_database_error_is_an_alert_not_a_500(
    session: Session, twilio_post: Callable[..., TestResponse], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> str:
        raise RuntimeError("database down")

    monkeypatch.setattr("hotline.triage.escalation.spoken_alert", broken)
    verbs = said(twilio_post("/voice/triage-alert?rec=1", CALL))
    assert "紧急留言" in (verbs[0].text or "")


def test_unsigned_requests_are_refused(client: FlaskClient) -> None:
    assert client.post("/voice/triage-alert?rec=1", data=CALL).status_code == 403
    assert client.post("/voice/triage-alert-status", data=CALL).status_code == 403


def test_status_reports_are_acknowledged(twilio_post: Callable[..., TestResponse]) -> None:
    response = twilio_post("/voice/triage-alert-status", {**CALL, "CallStatus": "no-answer"})
    assert response.status_code == 204 and response.data == b""
