"""The only module that renders TwiML: turns a Reply (hotline.verbs) into XML."""

from __future__ import annotations

import threading

from twilio.twiml.voice_response import Gather as TwimlGather
from twilio.twiml.voice_response import VoiceResponse

from hotline.verbs import (
    Dial,
    Gather,
    Hangup,
    Hook,
    Play,
    Record,
    Redirect,
    Reply,
    Say,
    hook_url,
)


def _speak(parent: VoiceResponse | TwimlGather, verb: Say | Play) -> None:
    if isinstance(verb, Play):
        parent.play(verb.url)
    elif verb.voice:
        parent.say(verb.text, language=verb.say_language, voice=verb.voice)
    else:
        parent.say(verb.text, language=verb.say_language)


# Replies repeat across calls (every new call hears the same greeting and menu): keep the
# documents of the most recent ones. Rendering is pure, so a cached document is always right.
_RENDERED: dict[tuple[str, str], str] = {}
_RENDERED_LOCK = threading.Lock()
RENDER_CACHE_SIZE = 256


def render(reply: Reply, base_url: str) -> str:
    """Render a reply to a TwiML document."""
    key = (repr(reply), base_url)
    document = _RENDERED.get(key)
    if document is None:
        document = _render(reply, base_url)
        with _RENDERED_LOCK:  # gthread workers: evict and insert one thread at a time
            if len(_RENDERED) >= RENDER_CACHE_SIZE:
                _RENDERED.pop(next(iter(_RENDERED)))
            _RENDERED[key] = document
    return document


def _render(reply: Reply, base_url: str) -> str:

    def url(hook: Hook) -> str:
        return hook_url(base_url, hook)

    response = VoiceResponse()
    for verb in reply:
        if isinstance(verb, Say | Play):
            _speak(response, verb)
        elif isinstance(verb, Gather):
            gather = response.gather(
                action=url(verb.action),
                method="POST",
                num_digits=verb.num_digits,
                timeout=verb.timeout_s,
                # No input="dtmf": keys are every carrier's default, and Somleng documents no
                # `input` (hotline/telephony/twiml_allowlist.yaml).
            )
            for prompt in verb.prompts:
                _speak(gather, prompt)
        elif isinstance(verb, Redirect):
            response.redirect(url(verb.target), method="POST")
        elif isinstance(verb, Dial):
            dial = response.dial(
                action=url(verb.action),
                method="POST",
                timeout=verb.timeout_s,
                caller_id=verb.caller_id or None,
            )
            for number in verb.numbers:
                if number.screen is None:
                    dial.number(number.number)
                else:
                    dial.number(number.number, url=url(number.screen), method="POST")
        elif isinstance(verb, Record):
            response.record(
                action=url(verb.action),
                method="POST",
                max_length=verb.max_length_s,
                play_beep=True,
                finish_on_key="#",
                recording_status_callback=url(verb.status_callback),
                recording_status_callback_method="POST",
            )
        elif isinstance(verb, Hangup):
            response.hangup()
    return str(response)


def render_message(body: str) -> str:
    """A messaging webhook's answer: one reply SMS with `body`, or none when it is empty."""
    from twilio.twiml.messaging_response import MessagingResponse

    response = MessagingResponse()
    if body:
        response.message(body)
    return str(response)


def spoken_alert(text: str, say_language: str, voice: str = "", repeat: int = 2) -> str:
    """An alert call's TwiML: `text` said `repeat` times, then hang up. Its closing full stop
    is the pause between: Somleng has no <Pause> (hotline/telephony/twiml_allowlist.yaml)."""
    response = VoiceResponse()
    for _ in range(max(1, repeat)):
        _speak(response, Say(text, say_language, voice))
    response.hangup()
    return str(response)
