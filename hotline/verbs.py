"""What the line does next on a call, as plain data; hotline.web.voice.twiml renders it to TwiML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

# Webhook names -> paths; the blueprint's routes are registered from the same table.
HOOK_PATHS = {
    "incoming": "/voice/incoming",
    "gather": "/voice/gather",
    "dial": "/voice/dial",
    "screen": "/voice/screen",
    "screen_result": "/voice/screen-result",
    "recording": "/voice/recording",
    "recording_status": "/voice/recording-status",
    "status": "/voice/status",
    "reference": "/voice/reference",
    "callback": "/voice/callback",
    "callback_dial": "/voice/callback-dial",
    "callback_status": "/voice/callback-status",
    "survey": "/voice/survey",
    "survey_result": "/voice/survey-result",
    "survey_status": "/voice/survey-status",
}


@dataclass(frozen=True)
class Hook:
    """One of our webhooks with its query parameters; the renderer turns it into a public URL."""

    name: str
    params: Mapping[str, str | int] = field(default_factory=dict)


def hook_url(base_url: str, hook: Hook) -> str:
    """The absolute public URL of a webhook, as the carrier will request (and sign) it."""
    query = urlencode(sorted((k, str(v)) for k, v in hook.params.items()))
    return f"{base_url}{HOOK_PATHS[hook.name]}" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class Say:
    """Speak text in a language (`say_language` like zh-CN)."""

    text: str
    say_language: str
    voice: str = ""


@dataclass(frozen=True)
class Play:
    """Play an audio file."""

    url: str


@dataclass(frozen=True)
class Gather:
    """Collect digits while prompting; `action` receives them."""

    action: Hook
    prompts: tuple[Say | Play, ...]
    num_digits: int
    timeout_s: int


@dataclass(frozen=True)
class Redirect:
    """Continue at another webhook (used after a Gather that got no input)."""

    target: Hook


@dataclass(frozen=True)
class DialNumber:
    """One phone to ring; `screen` is fetched on the callee's leg before bridging."""

    number: str
    screen: Hook | None = None


@dataclass(frozen=True)
class Dial:
    """Ring numbers (all at once if several); `action` receives the result."""

    numbers: tuple[DialNumber, ...]
    action: Hook
    timeout_s: int
    caller_id: str = ""


@dataclass(frozen=True)
class Record:
    """Record a message after a beep."""

    action: Hook
    status_callback: Hook
    max_length_s: int


@dataclass(frozen=True)
class Hangup:
    """End the call."""


Verb = Say | Play | Gather | Redirect | Dial | Record | Hangup
Reply = tuple[Verb, ...]
