"""A carrier simulator: plays Twilio against our webhooks with correctly signed requests.

It follows the TwiML we return the way the carrier does (Say, Play, Gather, Redirect, Dial with
or without a screening URL per Number, Record, Hangup), acts out a scripted caller and
volunteers, serves the voicemail file over HTTP for the worker to download, and reports the
conversation. It also plays outbound calls the line asked the carrier for (`play_outbound`: a
call back's agent leg, then the resident's leg it dials). With a carrier profile (`carrier`), it
refuses TwiML that carrier does not support, as the carrier would, naming the verb or attribute.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import secrets
import threading
import wave
import xml.etree.ElementTree as ET  # noqa: S405  (parses our own TwiML only)
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import requests
from flask import Flask
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from hotline import calls, tickets
from hotline.telephony import HTTP_TIMEOUT, PlacedCall
from hotline.telephony.carriers import CarrierProfile
from hotline.verbs import HOOK_PATHS

# A call that keeps following TwiML longer than this is a loop in our flow: stop it.
MAX_DOCUMENTS = 60

Post = Callable[[str, dict[str, str]], str]


@dataclass
class Caller:
    """What the resident and the volunteers do."""

    from_number: str = "+8613800000001"
    to_number: str = "+8657100000000"
    # Keys for successive menus; None is silence (the Gather times out).
    presses: list[str | None] = field(default_factory=list)
    # What each volunteer rung does, in order: answer | no-answer | busy | voicemail.
    volunteers: list[str] = field(default_factory=lambda: ["answer"])
    # The voicemail to leave; None leaves an empty recording.
    voicemail: Path | None = None
    # Where that voicemail is served already (its RecordingUrl, without `.wav`); None: the
    # simulator serves it during the call.
    voicemail_url: str | None = None
    # Hang up when the keys run out instead of staying silent.
    hang_up_in_menu: bool = False
    # Times to press star to hear the ticket's reference again (then just listen).
    repeat_reference: int = 0
    # Keys for menus that take several digits (a ticket reference), each ended with #.
    keyed: list[str] = field(default_factory=list)


@dataclass
class Conversation:
    """What happened on a simulated call."""

    call_sid: str
    lines: list[str] = field(default_factory=list)
    dialled: list[str] = field(default_factory=list)
    connected: bool = False
    recording_sid: str | None = None
    # Callbacks the carrier sends late (recording status comes after the call has ended).
    late_callbacks: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    # The caller ID each Dial showed the number it rang.
    caller_ids: list[str] = field(default_factory=list)

    def ticket_number(self, session: Session) -> str | None:
        """The ticket the call opened, read from the database."""
        call = calls.find_call(session, self.call_sid)
        ticket = tickets.ticket_for_call(session, call) if call else None
        return ticket.number if ticket else None


class _HangUp(Exception):
    """The simulated caller hung up."""


class UnsupportedTwiML(Exception):
    """The line answered with TwiML the simulated carrier does not support."""


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _wav_seconds(path: Path) -> int:
    with wave.open(str(path), "rb") as wav:
        return max(1, round(wav.getnframes() / wav.getframerate()))


def in_process_post(app: Flask, auth_token: str) -> Post:
    """POST signed webhooks to `app` through its test client (no server)."""
    validator = RequestValidator(auth_token)
    client = app.test_client()

    def post(url: str, params: dict[str, str]) -> str:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        # The carrier signs the public URL, wherever the request is delivered.
        signature = validator.compute_signature(url, params)
        response = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
        return response.get_data(as_text=True)

    return post


def media_port(media_hosts: tuple[str, ...]) -> int | None:
    """The port of a loopback carrier media host (127.0.0.1:PORT), where the simulator serves
    voicemails so the worker will download them; None if no such host is configured."""
    for entry in media_hosts:
        parts = urlsplit(f"//{entry}")
        if parts.hostname in ("127.0.0.1", "localhost") and parts.port:
            return parts.port
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging each request to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        return


@contextlib.contextmanager
def serve_file(path: Path, port: int = 0) -> Iterator[str]:
    """Serve one file over HTTP on 127.0.0.1 (`port`, or any free one), as the carrier serves
    recordings; yields its URL without the extension (the carrier's RecordingUrl convention:
    clients append `.wav`)."""
    handler = functools.partial(_QuietHandler, directory=str(path.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/{path.stem}"
    finally:
        server.shutdown()
        server.server_close()


def http_post(
    deliver_to: str,
    public_base_url: str,
    auth_token: str,
    session: requests.Session | None = None,
) -> Post:
    """POST webhooks to the line at `deliver_to`, signed as the carrier signs them: for their
    URL under `public_base_url`, the address signatures are checked against. A non-2xx answer
    raises."""
    validator = RequestValidator(auth_token)
    target = deliver_to.rstrip("/")
    send = session.post if session is not None else requests.post

    def post(url: str, params: dict[str, str]) -> str:
        response = send(
            target + url.removeprefix(public_base_url),
            data=params,
            headers={"X-Twilio-Signature": validator.compute_signature(url, params)},
            timeout=HTTP_TIMEOUT,
        )
        response.raise_for_status()
        return response.text

    return post


def _checked(post: Post, carrier: CarrierProfile) -> Post:
    """`post`, refusing answers `carrier` would not execute."""

    def checked(url: str, params: dict[str, str]) -> str:
        document = post(url, params)
        problems = carrier.problems(document) if document.strip() else []
        if problems:
            raise UnsupportedTwiML(f"{url}: " + "; ".join(problems))
        return document

    return checked


class Simulator:
    """Drives one call at a time against the line, in-process or over HTTP."""

    def __init__(
        self,
        post: Post,
        public_base_url: str,
        echo: Callable[[str], None] = lambda line: None,
        on_ring: Callable[[int], None] = lambda seconds: None,
        media_port: int | None = None,
        carrier: CarrierProfile | None = None,
    ) -> None:
        self._post = post if carrier is None else _checked(post, carrier)
        self._base = public_base_url
        # Where voicemails are served (a carrier media host the worker trusts); None: anywhere.
        self.media_port = media_port
        self._echo = echo
        # Told how long phones rang, so a test clock can move on as the carrier's would.
        self._on_ring = on_ring

    @classmethod
    def for_app(
        cls,
        app: Flask,
        *,
        base_url: str | None = None,
        echo: Callable[[str], None] = print,
        on_ring: Callable[[int], None] = lambda seconds: None,
        carrier: CarrierProfile | None = None,
    ) -> Simulator:
        """A simulator for an app's settings, posting over HTTP to base_url or in-process,
        playing `carrier` (None: whatever TwiML comes)."""
        config = app.extensions["hotline.settings"]
        post = (
            in_process_post(app, config.carrier_auth_token)
            if base_url is None
            else http_post(base_url, config.public_base_url, config.carrier_auth_token)
        )
        return cls(
            post, config.public_base_url, echo, on_ring, media_port(config.media_hosts), carrier
        )

    def run(self, caller: Caller, linger: Callable[[str], None] | None = None) -> Conversation:
        """Place one call and follow it to the end; `linger(recording_sid)` runs while the
        voicemail is still served (e.g. to wait for the worker's download)."""
        conversation = Conversation(call_sid=_sid("CA"))
        # A copy: the call uses up its keys and star presses, the caller given stays as it was.
        caller = replace(caller, keyed=list(caller.keyed))
        base = {
            "CallSid": conversation.call_sid,
            "AccountSid": "AC" + "0" * 32,
            "From": caller.from_number,
            "To": caller.to_number,
            "Direction": "inbound",
        }
        presses = list(caller.presses)
        volunteers = list(caller.volunteers)
        with contextlib.ExitStack() as stack:
            voicemail = None
            if caller.voicemail is not None:
                served = caller.voicemail_url or stack.enter_context(
                    serve_file(caller.voicemail, self.media_port or 0)
                )
                voicemail = (served, _wav_seconds(caller.voicemail))
            url = self._base + HOOK_PATHS["incoming"]
            params = {**base, "CallStatus": "ringing"}
            try:
                for _ in range(MAX_DOCUMENTS):
                    document = self._post(url, params)
                    step = self._follow(
                        document, base, caller, presses, volunteers, voicemail, conversation
                    )
                    if step is None:
                        break
                    url, params = step
                else:
                    raise RuntimeError("the call did not end: a loop in the flow?")
            except _HangUp:
                self._say("(caller hangs up)", conversation)
            self._post(
                self._base + HOOK_PATHS["status"],
                {**base, "CallStatus": "completed", "CallDuration": "60"},
            )
            for url, params in conversation.late_callbacks:
                self._post(url, params)
            if conversation.recording_sid and linger is not None:
                linger(conversation.recording_sid)
        return conversation

    def _say(self, line: str, conversation: Conversation) -> None:
        conversation.lines.append(line)
        self._echo(line)

    def _speak(self, element: ET.Element, conversation: Conversation) -> None:
        if element.tag == "Say":
            language = element.get("language", "")
            self._say(f"  line says [{language}]: {element.text or ''}", conversation)
        elif element.tag == "Play":
            self._say(f"  line plays: {element.text or ''}", conversation)

    def _follow(
        self,
        document: str,
        base: dict[str, str],
        caller: Caller,
        presses: list[str | None],
        volunteers: list[str],
        voicemail: tuple[str, int] | None,
        conversation: Conversation,
    ) -> tuple[str, dict[str, str]] | None:
        """Execute one TwiML document; returns the next request, or None when the call ends."""
        root = ET.fromstring(document)  # noqa: S314  (our own server's TwiML)
        for verb in root:
            if verb.tag in {"Say", "Play"}:
                self._speak(verb, conversation)
            elif verb.tag == "Gather":
                for prompt in verb:
                    self._speak(prompt, conversation)
                action = verb.get("action", "")
                if urlsplit(action).path == HOOK_PATHS["reference"]:
                    # The ticket's reference: star to hear it again, else listen and go on.
                    if caller.repeat_reference > 0:
                        caller.repeat_reference -= 1
                        self._say("  caller presses: *", conversation)
                        return action, {**base, "Digits": "*", "CallStatus": "in-progress"}
                    self._say("  caller: (listens)", conversation)
                    continue
                if int(verb.get("numDigits", "1")) > 1:
                    # Several digits ended with #: the carrier sends them without the #.
                    typed = caller.keyed.pop(0) if caller.keyed else None
                    if typed is None:
                        self._say("  caller: (silence)", conversation)
                        continue
                    self._say(f"  caller keys: {typed}#", conversation)
                    return action, {**base, "Digits": typed, "CallStatus": "in-progress"}
                if not presses and caller.hang_up_in_menu:
                    raise _HangUp
                key = presses.pop(0) if presses else None
                if key is None:
                    self._say("  caller: (silence)", conversation)
                    continue  # the carrier falls through to the next verb (our Redirect)
                self._say(f"  caller presses: {key}", conversation)
                return verb.get("action", ""), {**base, "Digits": key, "CallStatus": "in-progress"}
            elif verb.tag == "Redirect":
                return (verb.text or "").strip(), {**base, "CallStatus": "in-progress"}
            elif verb.tag == "Dial":
                return self._dial(verb, base, volunteers, conversation)
            elif verb.tag == "Record":
                return self._record(verb, base, voicemail, conversation)
            elif verb.tag == "Hangup":
                self._say("  line hangs up", conversation)
                return None
        # Twilio hangs up when a document runs out of verbs.
        return None

    def _dial(
        self,
        verb: ET.Element,
        base: dict[str, str],
        volunteers: list[str],
        conversation: Conversation,
    ) -> tuple[str, dict[str, str]]:
        """Ring a Dial's numbers at once; with `answer` or `voicemail` the first one picks up."""
        behaviour = volunteers.pop(0) if len(volunteers) > 1 else volunteers[0]
        numbers = verb.findall("Number")
        conversation.dialled.extend((n.text or "").strip() for n in numbers)
        names = ", ".join((n.text or "").strip() for n in numbers)
        self._say(f"  ringing volunteer {names} ... ({behaviour})", conversation)
        status = {"no-answer": "no-answer", "busy": "busy"}.get(behaviour, "completed")
        ringing = {"no-answer": int(verb.get("timeout", "0")), "busy": 1}.get(behaviour, 5)
        self._on_ring(ringing)
        if behaviour in {"answer", "voicemail"} and numbers and numbers[0].get("url"):
            accepted = self._screen(numbers[0].get("url", ""), behaviour, base, conversation)
            if accepted:
                conversation.connected = True
                self._say("  connected: caller and volunteer talk", conversation)
        elif behaviour == "answer" and numbers:
            # No screening URL: the carrier bridges whoever picks up.
            conversation.connected = True
            self._say("  connected: caller and volunteer talk", conversation)
        elif behaviour == "voicemail" and numbers:
            self._say("  (the volunteer's voicemail answers and takes the call)", conversation)
        return verb.get("action", ""), {
            **base,
            "CallStatus": "in-progress",
            "DialCallStatus": status,
            "DialCallSid": _sid("CA"),
            "DialCallDuration": "30" if status == "completed" else "0",
        }

    def _screen(
        self, url: str, behaviour: str, base: dict[str, str], conversation: Conversation
    ) -> bool:
        """Play the volunteer's leg of the screening; True if the volunteer accepted."""
        leg = {**base, "CallSid": _sid("CA"), "ParentCallSid": base["CallSid"]}
        root = ET.fromstring(self._post(url, {**leg, "CallStatus": "in-progress"}))  # noqa: S314
        gather = root.find("Gather")
        for prompt in gather if gather is not None else []:
            self._say("  volunteer hears:" + (prompt.text or ""), conversation)
        if gather is None or behaviour == "voicemail":
            self._say("  (the volunteer's voicemail answers; nobody presses 1)", conversation)
            return False
        self._say("  volunteer presses: 1", conversation)
        answer = self._post(gather.get("action", ""), {**leg, "Digits": "1"})
        return not list(ET.fromstring(answer))  # noqa: S314  (empty response = bridge)

    def _record(
        self,
        verb: ET.Element,
        base: dict[str, str],
        voicemail: tuple[str, int] | None,
        conversation: Conversation,
    ) -> tuple[str, dict[str, str]]:
        self._say("  (beep) caller records a message", conversation)
        callback = verb.get("recordingStatusCallback", "")
        recording_sid = _sid("RE")
        if voicemail is None:
            # An empty recording: Twilio skips the action URL; only the status callback says so.
            conversation.late_callbacks.append(
                (
                    callback,
                    {
                        **base,
                        "RecordingSid": recording_sid,
                        "RecordingStatus": "absent",
                        "RecordingDuration": "0",
                        "RecordingUrl": "",
                    },
                )
            )
            raise _HangUp
        url, duration = voicemail
        conversation.recording_sid = recording_sid
        recording = {
            "RecordingSid": recording_sid,
            "RecordingUrl": url,
            "RecordingDuration": str(duration),
        }
        conversation.late_callbacks.append(
            (callback, {**base, **recording, "RecordingStatus": "completed"})
        )
        return verb.get("action", ""), {**base, **recording, "Digits": "hangup"}

    def play_outbound(
        self,
        placed: PlacedCall,
        agent: str = "answer",
        resident: str = "answer",
        presses: Sequence[str | None] = (),
    ) -> Conversation:
        """Play an outbound call the line asked the carrier for: ring `placed.to` (answer |
        no-answer | busy | failed), follow the TwiML fetched on answer (pressing `presses` at
        its menus, None for silence), dial what it dials (the resident of a call back: answer
        | no-answer | busy), then report the final status."""
        keys = list(presses)
        conversation = Conversation(call_sid=placed.sid)
        base = {
            "CallSid": placed.sid,
            "AccountSid": "AC" + "0" * 32,
            "From": placed.from_,
            "To": placed.to,
            "Direction": "outbound-api",
        }
        self._say(f"carrier rings {placed.to} showing {placed.from_} ({agent})", conversation)
        if agent != "answer":
            self._post(placed.status_callback, {**base, "CallStatus": agent, "CallDuration": "0"})
            return conversation
        self._post(placed.status_callback, {**base, "CallStatus": "in-progress"})
        url, params = placed.url, {**base, "CallStatus": "in-progress"}
        for _ in range(MAX_DOCUMENTS):
            root = ET.fromstring(self._post(url, params))  # noqa: S314  (our own TwiML)
            step = self._follow_outbound(root, base, resident, keys, conversation)
            if step is None:
                break
            url, params = step
        self._post(
            placed.status_callback, {**base, "CallStatus": "completed", "CallDuration": "60"}
        )
        return conversation

    def _follow_outbound(
        self,
        root: ET.Element,
        base: dict[str, str],
        resident: str,
        keys: list[str | None],
        conversation: Conversation,
    ) -> tuple[str, dict[str, str]] | None:
        """One TwiML document on an outbound leg; the next request, or None when it ends."""
        for verb in root:
            if verb.tag in {"Say", "Play"}:
                self._speak(verb, conversation)
            elif verb.tag == "Gather":
                for prompt in verb:
                    self._speak(prompt, conversation)
                key = keys.pop(0) if keys else None
                if key is None:
                    self._say("  callee: (silence)", conversation)
                    continue
                self._say(f"  callee presses: {key}", conversation)
                return verb.get("action", ""), {**base, "Digits": key, "CallStatus": "in-progress"}
            elif verb.tag == "Dial":
                numbers = [(n.text or "").strip() for n in verb.findall("Number")]
                conversation.dialled.extend(numbers)
                conversation.caller_ids.append(verb.get("callerId", ""))
                shown = verb.get("callerId", "")
                self._say(
                    f"  dialling {', '.join(numbers)} showing {shown} ({resident})", conversation
                )
                status = {"answer": "completed"}.get(resident, resident)
                conversation.connected = status == "completed"
                if conversation.connected:
                    self._say("  connected: agent and resident talk", conversation)
                return verb.get("action", ""), {
                    **base,
                    "CallStatus": "in-progress",
                    "DialCallStatus": status,
                    "DialCallSid": _sid("CA"),
                    "DialCallDuration": "45" if conversation.connected else "0",
                }
            elif verb.tag == "Hangup":
                self._say("  line hangs up", conversation)
                return None
        return None
