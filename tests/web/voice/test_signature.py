"""Every webhook is authenticated with the carrier's signature, checked on the public URL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from hotline.settings import SettingsError
from hotline.verbs import HOOK_PATHS
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL, make_settings, sign
from tests.helpers import configure

PARAMS = {"CallSid": "CA" + "1" * 32, "From": "+8613800000001", "To": "+8657100000000"}


@pytest.mark.parametrize("hook", sorted(HOOK_PATHS))
def test_missing_signature_is_rejected(client: FlaskClient, hook: str) -> None:
    response = client.post(HOOK_PATHS[hook], data=PARAMS)
    assert response.status_code == 403


@pytest.mark.parametrize("hook", sorted(HOOK_PATHS))
def test_wrong_signature_is_rejected(client: FlaskClient, hook: str) -> None:
    bad = sign(PUBLIC_BASE_URL + HOOK_PATHS[hook], PARAMS, token="not-the-token")
    response = client.post(HOOK_PATHS[hook], data=PARAMS, headers={"X-Twilio-Signature": bad})
    assert response.status_code == 403


def test_signature_over_other_params_is_rejected(client: FlaskClient) -> None:
    path = HOOK_PATHS["incoming"]
    signature = sign(PUBLIC_BASE_URL + path, PARAMS)
    tampered = {**PARAMS, "From": "+8613999999999"}
    response = client.post(path, data=tampered, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_valid_signature_is_accepted(client: FlaskClient) -> None:
    path = HOOK_PATHS["incoming"]
    signature = sign(PUBLIC_BASE_URL + path, PARAMS)
    response = client.post(path, data=PARAMS, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    assert response.mimetype == "application/xml"


def test_behind_a_tls_proxy_the_public_url_is_what_counts(client: FlaskClient) -> None:
    # The proxy forwards https://hotline.example.org/... to http://127.0.0.1:5000/...; the
    # carrier signed the public URL, so that one must validate and the internal one must not.
    path = HOOK_PATHS["incoming"] + "?x=1"
    internal = sign("http://127.0.0.1:5000" + path, PARAMS)
    public = sign(PUBLIC_BASE_URL + path, PARAMS)
    headers = {"Host": "127.0.0.1:5000"}
    rejected = client.post(
        path,
        data=PARAMS,
        base_url="http://127.0.0.1:5000",
        headers={**headers, "X-Twilio-Signature": internal},
    )
    accepted = client.post(
        path,
        data=PARAMS,
        base_url="http://127.0.0.1:5000",
        headers={**headers, "X-Twilio-Signature": public},
    )
    assert (rejected.status_code, accepted.status_code) == (403, 200)


def test_switching_validation_off_is_explicit(make_app: Callable[..., Flask]) -> None:
    app = make_app(validate_signatures=False)
    response = app.test_client().post(
        HOOK_PATHS["status"], data={**PARAMS, "CallStatus": "ringing"}
    )
    assert response.status_code == 200


def test_settings_refuse_checking_without_a_token(database_url: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="HOTLINE_CARRIER_AUTH_TOKEN"):
        make_settings(database_url, tmp_path, carrier_auth_token="")


def test_duplicated_key_appended_to_a_signed_request_is_rejected(client: FlaskClient) -> None:
    path = HOOK_PATHS["incoming"]
    signature = sign(PUBLIC_BASE_URL + path, PARAMS)
    tampered = MultiDict([*PARAMS.items(), ("From", "+8613999999999")])
    response = client.post(path, data=tampered, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_signature_over_every_value_of_a_repeated_key_is_accepted(client: FlaskClient) -> None:
    # The carrier signs each value of a repeated parameter (sorted), as RequestValidator does.
    path = HOOK_PATHS["incoming"]
    params = MultiDict([*PARAMS.items(), ("StirVerstat", "TN-Validation-Passed-A")])
    params.add("StirVerstat", "TN-Validation-Passed-B")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + path, params)
    response = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200


SIGNING_KEY = "PSK_signalwire_project_signing_key"


@pytest.mark.parametrize("header", ["X-SignalWire-Signature", "X-Twilio-Signature"])
def test_a_carrier_with_its_own_signing_key_is_checked_with_it(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, header: str
) -> None:
    configure(app, monkeypatch, carrier_signing_key=SIGNING_KEY)
    path = HOOK_PATHS["incoming"]

    signed = sign(PUBLIC_BASE_URL + path, PARAMS, token=SIGNING_KEY)
    with_token = sign(PUBLIC_BASE_URL + path, PARAMS)

    assert client.post(path, data=PARAMS, headers={header: signed}).status_code == 200
    assert client.post(path, data=PARAMS, headers={header: with_token}).status_code == 403
