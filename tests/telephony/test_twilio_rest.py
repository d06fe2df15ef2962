"""The Twilio adapter's listings against a fake carrier speaking Twilio's REST JSON: every page
read, only the window kept, and our credentials never sent to another host."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from hotline.telephony import CarrierCall, CarrierRecording, TelephonyError
from hotline.telephony.twilio_rest import PAGE_SIZE, TwilioTelephony
from tests.helpers import ACCOUNT_SID, AUTH_TOKEN
from tests.telephony.carrier import FakeCarrier, fake_carrier

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def carrier() -> Iterator[FakeCarrier]:
    with fake_carrier() as running:
        yield running


def adapter(carrier: FakeCarrier) -> TwilioTelephony:
    return TwilioTelephony(ACCOUNT_SID, AUTH_TOKEN, carrier.api_base_url, "")


def busy_days(carrier: FakeCarrier) -> list[str]:
    """A call every ten minutes over three days (432 calls); the sids of those in the middle
    day's 12:00-18:00."""
    wanted = []
    for n in range(3 * 24 * 6):
        started = NOON - timedelta(days=1, hours=12) + timedelta(minutes=10 * n)
        sid = f"CA{n:032d}"
        carrier.add_call(sid, started=started, ended=started + timedelta(seconds=90))
        if NOON <= started < NOON + timedelta(hours=6):
            wanted.append(sid)
    return wanted


def test_calls_of_a_window_are_read_from_every_page(carrier: FakeCarrier) -> None:
    wanted = busy_days(carrier)

    calls = adapter(carrier).list_calls(NOON, NOON + timedelta(hours=6))

    assert sorted(c.sid for c in calls) == sorted(wanted)
    # Whole days are asked for (Twilio filters by date: the 20th and 21st, 288 calls), a page
    # of PAGE_SIZE at a time.
    listed = [r for r in carrier.requests if "/Calls.json" in r]
    assert len(listed) == -(-288 // PAGE_SIZE)
    assert "StartTime%3E=2026-11-20" in listed[0] and "StartTime%3C=2026-11-21" in listed[0]
    assert set(carrier.authorizations) == {carrier.authorizations[0]}
    assert carrier.authorizations[0].startswith("Basic ")


def test_a_call_keeps_what_the_carrier_says_of_it(carrier: FakeCarrier) -> None:
    carrier.add_call(
        "CA" + "1" * 32,
        started=NOON,
        ended=NOON + timedelta(seconds=75),
        status="no-answer",
        direction="outbound-dial",
        parent="CA" + "2" * 32,
    )
    carrier.add_call("CA" + "3" * 32, started=NOON, ended=None, status="in-progress")

    calls = adapter(carrier).list_calls(NOON, NOON + timedelta(minutes=1))

    assert sorted(calls, key=lambda c: c.sid) == [
        CarrierCall(
            "CA" + "1" * 32,
            "+8613800000009",
            "+8657100000000",
            "outbound-dial",
            "no-answer",
            NOON,
            NOON + timedelta(seconds=75),
            75,
            "CA" + "2" * 32,
        ),
        CarrierCall(
            "CA" + "3" * 32,
            "+8613800000009",
            "+8657100000000",
            "inbound",
            "in-progress",
            NOON,
            None,
            None,
        ),
    ]


@pytest.mark.parametrize("without_prefix", [False, True])
def test_recordings_of_an_api_under_a_path_and_their_urls(without_prefix: bool) -> None:
    with fake_carrier(prefix="/api/laml") as carrier:
        carrier.next_page_without_prefix = without_prefix
        for n in range(PAGE_SIZE + 5):
            carrier.add_recording(
                f"RE{n:032d}", f"CA{n:032d}", created=NOON + timedelta(seconds=n), duration_s=7
            )

        recordings = adapter(carrier).list_recordings(NOON, NOON + timedelta(hours=1))

    assert len(recordings) == PAGE_SIZE + 5
    assert len([r for r in carrier.requests if "/Recordings.json" in r]) == 2
    first = min(recordings, key=lambda r: r.sid)
    assert first == CarrierRecording(
        "RE" + "0" * 32,
        "CA" + "0" * 32,
        f"{carrier.base_url}/api/laml/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE{0:032d}",
        7,
        "completed",
        NOON,
    )


def test_a_next_page_on_another_host_is_never_asked_for(carrier: FakeCarrier) -> None:
    busy_days(carrier)
    carrier.next_page_host = "elsewhere.example:9"

    with pytest.raises(TelephonyError, match="another host"):
        adapter(carrier).list_calls(NOON, NOON + timedelta(hours=6))

    assert len(carrier.requests) == 1


@pytest.mark.parametrize("status", [500, 429])
def test_a_carrier_error_is_a_telephony_error(carrier: FakeCarrier, status: int) -> None:
    carrier.failures = [status]

    with pytest.raises(TelephonyError, match=f"HTTP {status}"):
        adapter(carrier).list_recordings(NOON, NOON + timedelta(hours=1))


def test_wrong_credentials_are_a_telephony_error(carrier: FakeCarrier) -> None:
    wrong = TwilioTelephony(ACCOUNT_SID, "not-the-token", carrier.api_base_url, "")

    with pytest.raises(TelephonyError, match="HTTP 401"):
        wrong.list_calls(NOON, NOON + timedelta(hours=1))


def test_an_unreachable_carrier_is_a_telephony_error() -> None:
    with fake_carrier() as carrier:
        gone = adapter(carrier)
    with pytest.raises(TelephonyError, match="listing Calls failed"):
        gone.list_calls(NOON, NOON + timedelta(hours=1))
