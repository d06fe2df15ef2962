"""The carrier's REST API through the twilio helper library (an adapter: only the wiring in
hotline.extensions builds it)."""

from __future__ import annotations

import logging

from hotline.phone import mask_number
from hotline.telephony import HTTP_TIMEOUT, TelephonyError

logger = logging.getLogger(__name__)


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

    def create_call(self, to: str, from_: str, url: str, status_callback: str) -> str:
        """Place an outbound call (the helper library's client carries the HTTP timeout)."""
        from twilio.base.exceptions import TwilioException

        if not from_:
            raise TelephonyError("HOTLINE_LINE_NUMBER is not set; cannot place a call")
        try:
            call = self._client.calls.create(
                to=to,
                from_=from_,
                url=url,
                method="POST",
                status_callback=status_callback,
                status_callback_method="POST",
                status_callback_event=["answered", "completed"],
                # Ring the agent no longer than a volunteer rings for an incoming call.
                timeout=30,
            )
        except TwilioException as exc:
            raise TelephonyError(f"call to {mask_number(to)} failed: {exc}") from exc
        logger.info("call %s placed to %s", call.sid, mask_number(to))
        return str(call.sid)
