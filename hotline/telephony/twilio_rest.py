"""The carrier's REST API through the twilio helper library (an adapter: only the wiring in
hotline.extensions builds it)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from hotline.phone import mask_number
from hotline.telephony import (
    HTTP_TIMEOUT,
    CarrierCall,
    CarrierRecording,
    TelephonyError,
)

logger = logging.getLogger(__name__)

# Rows asked for per page of a listing (Twilio allows up to 1,000).
PAGE_SIZE = 100
# More pages than this is a carrier whose next_page_uri loops: stop rather than spin.
MAX_PAGES = 1000


class TwilioTelephony:
    """Telephony over Twilio's REST API, or any carrier that speaks it at `base_url`."""

    def __init__(self, account_sid: str, auth_token: str, base_url: str, sms_from: str) -> None:
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self._sms_from = sms_from
        self._account_sid = account_sid
        self._base_url = base_url.rstrip("/")
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

    def list_calls(self, since: datetime, until: datetime) -> list[CarrierCall]:
        """Every call that started in [since, until), read page by page."""
        rows = self._list("Calls", "calls", "StartTime", since, until)
        calls = [_carrier_call(row) for row in rows]
        return [c for c in calls if c.started_at is not None and since <= c.started_at < until]

    def list_recordings(self, since: datetime, until: datetime) -> list[CarrierRecording]:
        """Every recording created in [since, until), read page by page."""
        rows = self._list("Recordings", "recordings", "DateCreated", since, until)
        recordings = [self._carrier_recording(row) for row in rows]
        return [r for r in recordings if since <= r.created_at < until]

    def _list(
        self, resource: str, key: str, field: str, since: datetime, until: datetime
    ) -> list[dict[str, Any]]:
        """The rows of a list resource, following next_page_uri on the carrier's own host."""
        from twilio.base.exceptions import TwilioException

        url = f"{self._base_url}/2010-04-01/Accounts/{self._account_sid}/{resource}.json"
        # Twilio documents these filters by date (YYYY-MM-DD, UTC): ask for whole days around
        # the window (a carrier that honours times answers the same or less) and cut it here.
        params: dict[str, object] | None = {
            f"{field}>": since.astimezone(UTC).date().isoformat(),
            f"{field}<": (until.astimezone(UTC) + timedelta(days=1)).date().isoformat(),
            "PageSize": PAGE_SIZE,
        }
        rows: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            try:
                response = self._client.request("GET", url, params=params)
            except (TwilioException, OSError) as exc:
                raise TelephonyError(f"listing {resource} failed: {exc}") from exc
            if response.status_code != 200:
                raise TelephonyError(f"listing {resource} failed: HTTP {response.status_code}")
            try:
                page = json.loads(response.text)
                rows.extend(page.get(key) or [])
            except (ValueError, AttributeError, TypeError) as exc:
                raise TelephonyError(f"listing {resource}: not a page of {key}") from exc
            next_uri = page.get("next_page_uri")
            if not next_uri:
                return rows
            url, params = self._on_carrier(str(next_uri)), None
        raise TelephonyError(f"listing {resource}: more than {MAX_PAGES} pages")

    def _on_carrier(self, uri: str) -> str:
        """A URI the carrier gave us, as a URL on its API host: a page is never asked of another
        host, since our credentials go with it. Twilio's URIs start at the host's root, some
        carriers' at their API's base path (SignalWire: /api/laml); both are accepted."""
        base, given = urlsplit(self._base_url), urlsplit(uri)
        if given.netloc and given.netloc.lower() != base.netloc.lower():
            raise TelephonyError(f"the carrier pointed a listing at another host: {given.netloc}")
        prefix = base.path.rstrip("/")
        path = given.path if given.path.startswith(prefix + "/") else prefix + given.path
        return urlunsplit((base.scheme, base.netloc, path, given.query, ""))

    def _carrier_recording(self, row: dict[str, Any]) -> CarrierRecording:
        sid = str(row.get("sid") or "")
        uri = str(row.get("uri") or "")
        url = (
            self._on_carrier(uri.removesuffix(".json"))
            if uri
            else f"{self._base_url}/2010-04-01/Accounts/{self._account_sid}/Recordings/{sid}"
        )
        return CarrierRecording(
            sid=sid,
            call_sid=str(row.get("call_sid") or ""),
            url=url,
            duration_s=max(0, _int(row.get("duration")) or 0),
            status=str(row.get("status") or ""),
            created_at=_time(row.get("date_created")) or datetime.min.replace(tzinfo=UTC),
        )


def _carrier_call(row: dict[str, Any]) -> CarrierCall:
    return CarrierCall(
        sid=str(row.get("sid") or ""),
        from_number=str(row.get("from") or ""),
        to_number=str(row.get("to") or ""),
        direction=str(row.get("direction") or ""),
        status=str(row.get("status") or ""),
        started_at=_time(row.get("start_time")) or _time(row.get("date_created")),
        ended_at=_time(row.get("end_time")),
        duration_s=_int(row.get("duration")),
        parent_sid=str(row.get("parent_call_sid") or ""),
    )


def _time(value: object) -> datetime | None:
    """An RFC 2822 time of the REST API ("Tue, 31 Aug 2010 20:36:28 +0000"), in UTC."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    # "-0000" (UTC, by RFC 2822's rule) parses without a zone.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
