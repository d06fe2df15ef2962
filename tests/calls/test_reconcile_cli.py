"""`flask hotline reconcile` with the real Twilio adapter against a fake carrier speaking
Twilio's REST JSON: the call we never saw, its voicemail downloaded from the carrier and
transcribed, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import Call, CallOutcome, Recording, RecordingStatus, Ticket, TicketSource
from hotline.recordings import job
from hotline.telephony.twilio_rest import TwilioTelephony
from tests.helpers import ACCOUNT_SID, AUTH_TOKEN, VOICEMAIL, configure, queued_jobs, tools
from tests.telephony.carrier import FakeCarrier, fake_carrier
from transcripts import LoadedModel

CALL_SID, RECORDING_SID = "CA" + "4" * 32, "RE" + "4" * 32


@pytest.fixture
def carrier(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCarrier]:
    """The app's carrier is the fake one, through the Twilio adapter, trusted for media."""
    with fake_carrier() as running:
        configure(
            app,
            monkeypatch,
            carrier_api_base_url=running.api_base_url,
            carrier_media_hosts=(running.netloc,),
            carrier_media_allow_http=True,
        )
        adapter = TwilioTelephony(ACCOUNT_SID, AUTH_TOKEN, running.api_base_url, "")
        monkeypatch.setitem(app.extensions, "hotline.telephony", adapter)
        yield running


def reconcile(app: Flask, since: str) -> Result:
    return app.test_cli_runner().invoke(args=["hotline", "reconcile", "--since", since])


def test_reconcile_fills_in_a_lost_call_and_its_voicemail(
    app: Flask, session: Session, carrier: FakeCarrier, categories: None, model: LoadedModel
) -> None:
    queued_jobs(app)  # jobs earlier tests left on the in-memory queue
    ended = utcnow() - timedelta(minutes=20)
    carrier.add_call(CALL_SID, started=ended - timedelta(seconds=40), ended=ended)
    carrier.add_recording(
        RECORDING_SID,
        CALL_SID,
        created=ended - timedelta(seconds=10),
        duration_s=5,
        audio=VOICEMAIL.read_bytes(),
    )
    # The volunteer's leg of some other call: not a call to the line.
    leg = {"direction": "outbound-dial", "parent": "CA" + "6" * 32}
    carrier.add_call("CA" + "5" * 32, started=ended, ended=ended, **leg)
    yesterday = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%d")

    result = reconcile(app, yesterday)

    assert result.exit_code == 0, result.output + result.stderr
    assert result.stdout.splitlines() == [
        "carrier listed 1 calls and 1 recordings; 1 calls created, 0 settled, 1 recordings"
        " added, 1 queued for download, 0 recordings of unknown calls skipped, 0 failed"
    ]
    assert f"{CALL_SID}: call created and settled (completed)" in result.stderr
    assert f"{RECORDING_SID}: recording added (completed, 5 s)" in result.stderr
    call = session.scalars(select(Call)).one()
    assert call.outcome is CallOutcome.VOICEMAIL
    recording = session.scalars(select(Recording)).one()
    assert recording.url == f"{carrier.base_url}{carrier.account_path}/Recordings/{RECORDING_SID}"
    assert queued_jobs(app) == [recording.id]

    # The worker downloads it from the carrier with the account's credentials.
    done = job.process(
        session, recording.id, utcnow, tools(app, model), last_try=False, commit=session.commit
    )
    session.commit()
    assert done.status is RecordingStatus.TRANSCRIBED
    assert carrier.requests[-1].endswith(f"/Recordings/{RECORDING_SID}.wav")
    session.expire_all()
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.source is TicketSource.VOICEMAIL and ticket.transcript_text

    again = reconcile(app, yesterday)
    assert "0 calls created, 0 settled, 0 recordings added, 0 queued" in again.stdout
    assert queued_jobs(app) == []
    assert session.scalars(select(Ticket)).one().id == ticket.id


def test_an_unreachable_carrier_is_a_clear_error(
    app: Flask, session: Session, carrier: FakeCarrier
) -> None:
    carrier.failures = [503]

    result = reconcile(app, "2026-01-01")

    assert result.exit_code == 1
    assert "Error: listing Calls failed: HTTP 503" in result.stderr
    assert session.scalars(select(Call)).all() == []


def test_calls_are_reconciled_where_the_carrier_lists_no_recordings(
    app: Flask, session: Session, carrier: FakeCarrier, categories: None
) -> None:
    carrier.lists_recordings = False
    ended = utcnow() - timedelta(minutes=20)
    carrier.add_call(CALL_SID, started=ended - timedelta(seconds=40), ended=ended)

    result = reconcile(app, "2026-01-01")

    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("; recordings not listed: listing Recordings failed: HTTP 404\n")
    assert "1 calls created" in result.stdout
    assert session.scalars(select(Call)).one().call_sid == CALL_SID
