"""The renderer's TwiML, parsed and checked for shape (never string-matched)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hotline.verbs import (
    Dial,
    DialNumber,
    Gather,
    Hangup,
    Hook,
    Play,
    Record,
    Redirect,
    Say,
    hook_url,
)
from hotline.web.voice.twiml import render

BASE = "https://line.example.org"


def parse(reply: tuple[object, ...]) -> ET.Element:
    root = ET.fromstring(render(reply, BASE))  # type: ignore[arg-type]
    assert root.tag == "Response"
    return root


def test_hook_urls_are_absolute_public_urls_with_sorted_params() -> None:
    assert hook_url(BASE, Hook("gather", {"step": 2})) == f"{BASE}/voice/gather?step=2"
    assert (
        hook_url(BASE, Hook("screen", {"idx": 1, "call": "CA1"}))
        == f"{BASE}/voice/screen?call=CA1&idx=1"
    )


def test_say_carries_language_and_optional_voice() -> None:
    root = parse((Say("您好", "zh-CN"), Say("hello", "en-US", "Polly.Joanna")))
    first, second = list(root)
    assert (first.tag, first.text, first.get("language"), first.get("voice")) == (
        "Say",
        "您好",
        "zh-CN",
        None,
    )
    assert (second.get("language"), second.get("voice")) == ("en-US", "Polly.Joanna")


def test_gather_nests_prompts_and_is_followed_by_redirect() -> None:
    hook = Hook("gather", {"step": 0})
    root = parse(
        (Gather(hook, (Say("菜单", "zh-CN"), Play("https://a/b.mp3")), 1, 5), Redirect(hook))
    )
    gather, redirect = list(root)
    assert gather.tag == "Gather"
    assert gather.attrib == {
        "action": f"{BASE}/voice/gather?step=0",
        "method": "POST",
        "numDigits": "1",
        "timeout": "5",
    }
    assert [(c.tag, c.text) for c in gather] == [("Say", "菜单"), ("Play", "https://a/b.mp3")]
    assert (redirect.tag, redirect.text, redirect.get("method")) == (
        "Redirect",
        f"{BASE}/voice/gather?step=0",
        "POST",
    )


def test_dial_screens_each_number_and_shows_the_hotline_number() -> None:
    dial = Dial(
        (DialNumber("+8613800000101", Hook("screen", {"call": "CA1", "idx": 0})),),
        Hook("dial", {"idx": 0}),
        20,
        caller_id="+8657100000000",
    )
    (element,) = list(parse((dial,)))
    assert element.tag == "Dial"
    assert element.get("action") == f"{BASE}/voice/dial?idx=0"
    assert (element.get("timeout"), element.get("callerId")) == ("20", "+8657100000000")
    (number,) = list(element)
    assert (number.tag, number.text) == ("Number", "+8613800000101")
    assert number.get("url") == f"{BASE}/voice/screen?call=CA1&idx=0"


def test_record_has_limit_beep_action_and_status_callback() -> None:
    (element, hangup) = list(
        parse((Record(Hook("recording"), Hook("recording_status"), 180), Hangup()))
    )
    assert element.tag == "Record"
    assert element.get("maxLength") == "180"
    assert element.get("playBeep") == "true"
    assert element.get("action") == f"{BASE}/voice/recording"
    assert element.get("recordingStatusCallback") == f"{BASE}/voice/recording-status"
    assert hangup.tag == "Hangup"


def test_empty_reply_is_an_empty_response() -> None:
    assert list(parse(())) == []


def test_a_cached_document_is_the_same_as_a_fresh_one() -> None:
    reply = (Say("您好", "zh-CN"), Gather(Hook("gather", {"step": 3}), (), 1, 8))
    first = render(reply, BASE)
    again = render(reply, BASE)
    other = render((Say("您好", "zh-CN"), Gather(Hook("gather", {"step": 4}), (), 1, 8)), BASE)
    assert first == again
    assert "step=4" in other and "step=3" not in other
