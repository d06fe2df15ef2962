"""bench/load.py: its callers' pace, and its ceiling (the static-TwiML app under gunicorn,
started from the project root without any hotline settings, the run's calls replayed on it)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator

import pytest
import requests

from bench import load
from hotline.devtools import stack

LINE_URL = "http://127.0.0.1:5999"  # where the line ran: the replayed scripts' URLs


@pytest.fixture(scope="module")
def ceiling_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = stack.free_port()
    server = load.ceiling(tmp_path_factory.mktemp("ceiling"), port, threads=1)
    try:
        server.start("Booting worker")
        stack.wait_for_http(f"http://127.0.0.1:{port}/healthz", server)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def test_the_ceiling_starts_without_the_hotline_settings(ceiling_url: str) -> None:
    # The project's gunicorn.conf.py checks the hotline's settings in the master; the ceiling
    # is not the hotline and must not need them (the run used to end there).
    assert not any(name.startswith("HOTLINE_") for name in load.ceiling_env())

    answer = requests.post(f"{ceiling_url}/voice/incoming", data={"CallSid": "CA1"}, timeout=10)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/xml")
    assert "<Gather" in answer.text


def test_the_replay_sends_the_lines_webhooks_to_the_ceiling(ceiling_url: str) -> None:
    script = [
        (0.0, (f"{LINE_URL}/voice/incoming", {"CallSid": "CA1", "From": "+8613900000000"})),
        (0.0, (f"{LINE_URL}/voice/gather?step=0", {"CallSid": "CA1", "Digits": "1"})),
    ]
    results = load.Results()
    replayer = load.Replayer([script], ceiling_url, LINE_URL, results, time.monotonic() + 30)

    replayer.run()

    assert dict(results.errors) == {}
    assert sorted((route, len(v)) for route, v in results.latencies.items()) == [
        ("/voice/gather", 1),
        ("/voice/incoming", 1),
    ]


def test_prompts_take_the_time_text_to_speech_takes_to_say_them() -> None:
    twiml = (
        "<Response><Gather><Say language='zh-CN'>请按一</Say>"
        "<Say language='en-US'>Press one now</Say></Gather></Response>"
    )

    assert load.speaking_seconds(twiml) == pytest.approx(3 / load.HANZI_PER_S + 3 / 2.5)
    assert load.speaking_seconds("<Response><Hangup/></Response>") == 0
    assert load.speaking_seconds("CallSid is required") == 0


def caller(pace: float = 1.0, talk: float = 60.0) -> load.CallerThread:
    args = argparse.Namespace(pace=pace, talk=talk, warmup=0)
    return load.CallerThread(0, args, LINE_URL, "", load.Results(), deadline=0.0)


@pytest.mark.parametrize("pace", [1.0, 0.1])
def test_a_caller_waits_as_long_as_a_call_on_a_real_phone_at_the_pace(pace: float) -> None:
    thread = caller(pace)
    thread.last_answer = "<Response><Gather><Say>请按一</Say></Gather></Response>"
    said = 3 / load.HANZI_PER_S

    pressed = thread.pause_before(f"{LINE_URL}/voice/gather?step=0", {"Digits": "1"})
    thread.last_answer = "<Response><Record/></Response>"
    recorded = thread.pause_before(
        f"{LINE_URL}/voice/recording", {"Digits": "hangup", "RecordingDuration": "30"}
    )
    thread.last_answer = "<Response/>"
    talked = thread.pause_before(f"{LINE_URL}/voice/dial?idx=0", {"DialCallStatus": "completed"})
    missed = thread.pause_before(f"{LINE_URL}/voice/dial?idx=0", {"DialCallStatus": "no-answer"})

    # Each wait is jittered 0.5-1.5x.
    assert 0.5 * pace * (said + load.REACTION_S) <= pressed <= 1.5 * pace * (said + 1.5)
    assert 0.5 * pace * (30 + 1.5) <= recorded <= 1.5 * pace * (30 + 1.5)
    assert 0.5 * pace * 60 <= talked <= 1.5 * pace * 60
    assert missed == 0
