"""The carrier's REST side, behind a protocol; the only module that talks to the carrier's API."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

logger = logging.getLogger(__name__)

# Every outbound request is bounded: (connect, read) seconds.
HTTP_TIMEOUT = (5.0, 30.0)


def mask_number(number: str) -> str:
    """Hide the middle of a phone number for logs: +8613800000001 -> +86138****0001."""
    if len(number) <= 7:
        return "*" * len(number)
    return f"{number[:6]}****{number[-4:]}"


class TelephonyError(Exception):
    """The carrier refused or could not be reached; callers decide whether to retry."""


class Telephony(Protocol):
    """What the hotline asks of a carrier outside of webhooks."""

    def send_sms(self, to: str, body: str) -> str:
        """Send a text message; returns the carrier's message id."""
        ...

    def delete_recording(self, recording_sid: str) -> None:
        """Delete the carrier's copy of a recording."""
        ...


class TwilioTelephony:
    """Telephony over Twilio's REST API, or any carrier that speaks it at `base_url`."""

    def __init__(self, account_sid: str, auth_token: str, base_url: str, sms_from: str) -> None:
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self._sms_from = sms_from
        self._client = Client(
            account_sid, auth_token, http_client=TwilioHttpClient(timeout=HTTP_TIMEOUT[1])
        )
        # The helper library builds every URL from api.base_url; point it at our carrier.
        self._client.api.base_url = base_url

    def send_sms(self, to: str, body: str) -> str:
        """Send a text message through the carrier."""
        from twilio.base.exceptions import TwilioException

        if not self._sms_from:
            raise TelephonyError("HOTLINE_SMS_FROM is not set; cannot send SMS")
        try:
            message = self._client.messages.create(to=to, from_=self._sms_from, body=body)
        except TwilioException as exc:
            raise TelephonyError(f"SMS to {mask_number(to)} failed: {exc}") from exc
        logger.info("sms %s sent to %s", message.sid, mask_number(to))
        return str(message.sid)

    def delete_recording(self, recording_sid: str) -> None:
        """Delete a recording at the carrier."""
        from twilio.base.exceptions import TwilioException

        try:
            self._client.recordings(recording_sid).delete()
        except TwilioException as exc:
            raise TelephonyError(f"deleting recording {recording_sid} failed: {exc}") from exc


@dataclass
class FakeTelephony:
    """An in-memory carrier for tests and the simulator: records what was asked of it."""

    sms: list[tuple[str, str]] = field(default_factory=list)
    deleted_recordings: list[str] = field(default_factory=list)
    fail_sms: bool = False

    def send_sms(self, to: str, body: str) -> str:
        """Remember the message instead of sending it."""
        if self.fail_sms:
            raise TelephonyError("fake carrier refused the SMS")
        self.sms.append((to, body))
        return f"SM{len(self.sms):032d}"

    def delete_recording(self, recording_sid: str) -> None:
        """Remember the deletion."""
        self.deleted_recordings.append(recording_sid)
