"""The carrier's REST side as a protocol (the Twilio adapter is telephony.twilio_rest), and the
fake carrier tests and the simulator use."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

logger = logging.getLogger(__name__)

# Every outbound request is bounded: (connect, read) seconds.
HTTP_TIMEOUT = (5.0, 30.0)


class TelephonyError(Exception):
    """The carrier refused or could not be reached; callers decide whether to retry."""


@dataclass(frozen=True)
class CarrierCall:
    """A call as the carrier's REST API lists it."""

    sid: str
    from_number: str
    to_number: str
    # inbound (a caller rang the line), outbound-dial (a leg our <Dial> rang), outbound-api.
    direction: str
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    duration_s: int | None
    parent_sid: str = ""


@dataclass(frozen=True)
class CarrierRecording:
    """A recording as the carrier's REST API lists it; `url` follows the RecordingUrl
    convention of the callbacks (no extension: clients append `.wav`)."""

    sid: str
    call_sid: str
    url: str
    duration_s: int
    status: str
    created_at: datetime


class Telephony(Protocol):
    """What the hotline asks of a carrier outside of webhooks."""

    def send_sms(self, to: str, body: str) -> str:
        """Send a text message; returns the carrier's message id."""
        ...

    def delete_recording(self, recording_sid: str) -> None:
        """Delete the carrier's copy of a recording."""
        ...

    def create_call(self, to: str, from_: str, url: str, status_callback: str) -> str:
        """Ring `to` showing `from_`; on answer the carrier fetches TwiML from `url`, and
        reports the call's statuses to `status_callback`. Returns the call's SID."""
        ...

    def list_calls(self, since: datetime, until: datetime) -> Sequence[CarrierCall]:
        """Every call that started in [since, until), all pages read."""
        ...

    def list_recordings(self, since: datetime, until: datetime) -> Sequence[CarrierRecording]:
        """Every recording created in [since, until), all pages read."""
        ...


@dataclass(frozen=True)
class PlacedCall:
    """An outbound call the fake carrier was asked to place."""

    sid: str
    to: str
    from_: str
    url: str
    status_callback: str


@dataclass
class FakeTelephony:
    """An in-memory carrier for tests and the simulator: records what was asked of it."""

    sms: list[tuple[str, str]] = field(default_factory=list)
    deleted_recordings: list[str] = field(default_factory=list)
    calls: list[PlacedCall] = field(default_factory=list)
    # What the carrier's records hold (reconciliation lists them).
    carrier_calls: list[CarrierCall] = field(default_factory=list)
    carrier_recordings: list[CarrierRecording] = field(default_factory=list)
    fail_sms: bool = False
    fail_calls: bool = False

    def send_sms(self, to: str, body: str) -> str:
        """Remember the message instead of sending it."""
        if self.fail_sms:
            raise TelephonyError("fake carrier refused the SMS")
        self.sms.append((to, body))
        return f"SM{len(self.sms):032d}"

    def delete_recording(self, recording_sid: str) -> None:
        """Remember the deletion."""
        self.deleted_recordings.append(recording_sid)

    def create_call(self, to: str, from_: str, url: str, status_callback: str) -> str:
        """Remember the call instead of placing it (the simulator can play it out)."""
        if self.fail_calls:
            raise TelephonyError("fake carrier refused the call")
        sid = f"CA{len(self.calls) + 1:032d}"
        self.calls.append(PlacedCall(sid, to, from_, url, status_callback))
        return sid

    def list_calls(self, since: datetime, until: datetime) -> Sequence[CarrierCall]:
        """The carrier's calls that started in the window."""
        return [
            call
            for call in self.carrier_calls
            if call.started_at is not None and since <= call.started_at < until
        ]

    def list_recordings(self, since: datetime, until: datetime) -> Sequence[CarrierRecording]:
        """The carrier's recordings created in the window."""
        return [r for r in self.carrier_recordings if since <= r.created_at < until]
