"""When we break, the caller hears an apology and goes to voicemail; never a 500."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from hotline import create_app
from hotline.messaging import texts
from hotline.verbs import HOOK_PATHS
from tests.conftest import PUBLIC_BASE_URL, make_settings, sign

PARAMS = {"CallSid": "CA" + "e" * 32, "From": "+8613800000001", "To": "+8657100000000"}


def post(app: Flask, hook: str, params: dict[str, str]) -> tuple[int, ET.Element]:
    path = HOOK_PATHS[hook]
    response = app.test_client().post(
        path, data=params, headers={"X-Twilio-Signature": sign(PUBLIC_BASE_URL + path, params)}
    )
    return response.status_code, ET.fromstring(response.get_data(as_text=True))


def assert_apology_then_voicemail(root: ET.Element) -> None:
    say, record = list(root)
    assert say.tag == "Say" and "抱歉" in (say.text or "")
    assert record.tag == "Record"
    assert record.get("action") == f"{PUBLIC_BASE_URL}/voice/recording"
    assert record.get("recordingStatusCallback") == f"{PUBLIC_BASE_URL}/voice/recording-status"


def test_a_broken_flow_file_apologises_and_records(
    make_app: Callable[..., Flask], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(ivr_flow_path=tmp_path / "missing.yaml")
    with caplog.at_level(logging.ERROR):
        status, root = post(app, "incoming", PARAMS)
    assert status == 200
    assert_apology_then_voicemail(root)
    assert any(PARAMS["CallSid"] in r.getMessage() for r in caplog.records)


def test_a_database_failure_apologises_and_records(tmp_path: Path) -> None:
    # A database without our schema: every query fails.
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path))
    status, root = post(app, "incoming", PARAMS)
    assert status == 200
    assert_apology_then_voicemail(root)
    status, root = post(app, "gather", {**PARAMS, "Digits": "1"})
    assert status == 200
    assert_apology_then_voicemail(root)


def test_a_webhook_without_call_sid_is_a_clear_400(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    path = HOOK_PATHS["incoming"]
    params = {"From": "+8613800000001"}
    response = app.test_client().post(
        path, data=params, headers={"X-Twilio-Signature": sign(PUBLIC_BASE_URL + path, params)}
    )
    assert response.status_code == 400
    assert "CallSid" in response.get_data(as_text=True)


def test_a_broken_flow_and_a_broken_message_catalog_still_record(
    make_app: Callable[..., Flask], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "texts.yaml"
    broken.write_text("texts: [not, a, mapping]\n", encoding="utf-8")
    monkeypatch.setattr(texts, "CATALOG", broken)
    app = make_app(ivr_flow_path=tmp_path / "missing.yaml")

    status, root = post(app, "incoming", PARAMS)

    assert status == 200
    assert_apology_then_voicemail(root)
