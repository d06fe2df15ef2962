"""A fake carrier REST API on 127.0.0.1 that speaks Twilio's JSON: Calls.json and
Recordings.json (filtered by date, newest first, paged with page_size and next_page_uri) and
the recordings' audio, all behind the account's basic auth."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.helpers import ACCOUNT_SID, AUTH_TOKEN, serving

# Twilio's default page size when PageSize is not given.
DEFAULT_PAGE_SIZE = 50


def rfc2822(moment: datetime | None) -> str | None:
    """A time as the REST API writes it: "Sun, 29 Nov 2026 20:52:51 +0000"."""
    return format_datetime(moment) if moment is not None else None


@dataclass
class FakeCarrier:
    """The carrier's records and what was asked of it."""

    base_url: str = ""
    # Where the API sits on its host: "" for Twilio, "/api/laml" for SignalWire.
    prefix: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)
    recordings: list[dict[str, Any]] = field(default_factory=list)
    audio: dict[str, bytes] = field(default_factory=dict)
    # Status codes to answer, in order, before answering properly.
    failures: list[int] = field(default_factory=list)
    # next_page_uri on another host (a carrier gone wrong), or relative to the host's root
    # even when the API has a prefix (as Twilio's are).
    next_page_host: str = ""
    next_page_without_prefix: bool = False
    # False: no account-wide Recordings list (Somleng lists recordings per call only).
    lists_recordings: bool = True
    requests: list[str] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)

    @property
    def account_path(self) -> str:
        return f"{self.prefix}/2010-04-01/Accounts/{ACCOUNT_SID}"

    @property
    def api_base_url(self) -> str:
        """What HOTLINE_CARRIER_API_BASE_URL is set to for this carrier."""
        return self.base_url + self.prefix

    @property
    def netloc(self) -> str:
        return urlsplit(self.base_url).netloc

    def add_call(
        self,
        sid: str,
        *,
        started: datetime,
        ended: datetime | None,
        status: str = "completed",
        direction: str = "inbound",
        from_number: str = "+8613800000009",
        to_number: str = "+8657100000000",
        parent: str | None = None,
    ) -> dict[str, Any]:
        """A call resource as Twilio writes it."""
        duration = int((ended - started).total_seconds()) if ended else None
        row = {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "parent_call_sid": parent,
            "date_created": rfc2822(started),
            "date_updated": rfc2822(ended or started),
            "to": to_number,
            "to_formatted": to_number,
            "from": from_number,
            "from_formatted": from_number,
            "phone_number_sid": "PN" + "0" * 32,
            "status": status,
            "start_time": rfc2822(started),
            "end_time": rfc2822(ended),
            "duration": str(duration) if duration is not None else None,
            "price": None,
            "price_unit": "USD",
            "direction": direction,
            "answered_by": None,
            "api_version": "2010-04-01",
            "forwarded_from": None,
            "caller_name": None,
            "uri": f"{self.account_path}/Calls/{sid}.json",
            "subresource_uris": {"recordings": f"{self.account_path}/Calls/{sid}/Recordings.json"},
        }
        self.calls.append(row)
        return row

    def add_recording(
        self,
        sid: str,
        call_sid: str,
        *,
        created: datetime,
        duration_s: int,
        audio: bytes | None = None,
        status: str = "completed",
    ) -> dict[str, Any]:
        """A recording resource as Twilio writes it (and its audio, if given)."""
        row = {
            "account_sid": ACCOUNT_SID,
            "api_version": "2010-04-01",
            "call_sid": call_sid,
            "conference_sid": None,
            "date_created": rfc2822(created),
            "date_updated": rfc2822(created),
            "start_time": rfc2822(created),
            "duration": str(duration_s),
            "sid": sid,
            "price": None,
            "price_unit": "USD",
            "status": status,
            "channels": 1,
            "source": "RecordVerb",
            "error_code": None,
            "uri": f"{self.account_path}/Recordings/{sid}.json",
            "encryption_details": None,
            "media_url": f"{self.base_url}{self.account_path}/Recordings/{sid}",
        }
        self.recordings.append(row)
        if audio is not None:
            self.audio[sid] = audio
        return row

    def page(self, resource: str, query: dict[str, str]) -> dict[str, Any]:
        """One page of a list resource, as Twilio pages it."""
        key, rows, time_field, filter_name = {
            "Calls": ("calls", self.calls, "start_time", "StartTime"),
            "Recordings": ("recordings", self.recordings, "date_created", "DateCreated"),
        }[resource]
        chosen = [
            row
            for row in rows
            if _within(row[time_field], query.get(f"{filter_name}>"), query.get(f"{filter_name}<"))
        ]
        chosen.sort(key=lambda row: _parse(row[time_field]), reverse=True)  # newest first
        size = int(query.get("PageSize") or DEFAULT_PAGE_SIZE)
        number = int(query.get("Page") or 0)
        rows_here = chosen[number * size : (number + 1) * size]
        path = f"{self.account_path}/{resource}.json"

        def uri(page: int) -> str:
            kept = {k: v for k, v in query.items() if k not in ("Page", "PageToken")}
            return f"{path}?{urlencode({**kept, 'Page': page, 'PageToken': f'PA{page}'})}"

        next_uri = uri(number + 1) if (number + 1) * size < len(chosen) else None
        if next_uri and self.next_page_without_prefix:
            next_uri = next_uri.removeprefix(self.prefix)
        if next_uri and self.next_page_host:
            next_uri = f"http://{self.next_page_host}{next_uri}"
        return {
            key: rows_here,
            "first_page_uri": uri(0),
            "next_page_uri": next_uri,
            "previous_page_uri": uri(number - 1) if number else None,
            "page": number,
            "page_size": size,
            "start": number * size,
            "end": number * size + max(0, len(rows_here) - 1),
            "uri": uri(number),
        }


def _parse(value: str | None) -> datetime:
    assert value is not None
    return parsedate_to_datetime(value)


def _within(value: str | None, after: str | None, before: str | None) -> bool:
    """Twilio's date filters: `X>=YYYY-MM-DD` on or after that day, `X<=` on or before it."""
    if value is None:
        return False
    day = _parse(value).date().isoformat()
    return (after is None or day >= after[:10]) and (before is None or day <= before[:10])


def _handler(carrier: FakeCarrier) -> type[BaseHTTPRequestHandler]:
    expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
            carrier.requests.append(self.path)
            carrier.authorizations.append(self.headers.get("Authorization", ""))
            parts = urlsplit(self.path)
            resources = ("Calls", "Recordings") if carrier.lists_recordings else ("Calls",)
            lists = {f"{carrier.account_path}/{r}.json": r for r in resources}
            if self.headers.get("Authorization") != expected:
                self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
            elif carrier.failures:
                status = carrier.failures.pop(0)
                self._json(status, {"message": "carrier trouble", "status": status})
            elif parts.path in lists:
                self._json(200, carrier.page(lists[parts.path], dict(parse_qsl(parts.query))))
            elif (sid := _audio_sid(carrier, parts.path)) in carrier.audio:
                body = carrier.audio[sid]
                self.send_response(200)
                self.send_header("Content-Type", "audio/x-wav")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self._json(404, {"code": 20404, "message": "not found", "status": 404})

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


def _audio_sid(carrier: FakeCarrier, path: str) -> str:
    prefix = f"{carrier.account_path}/Recordings/"
    return path.removeprefix(prefix).removesuffix(".wav") if path.startswith(prefix) else ""


@contextmanager
def fake_carrier(prefix: str = "") -> Iterator[FakeCarrier]:
    """A FakeCarrier listening on 127.0.0.1 for the duration of the block."""
    carrier = FakeCarrier(prefix=prefix)
    with serving(_handler(carrier)) as carrier.base_url:
        yield carrier
