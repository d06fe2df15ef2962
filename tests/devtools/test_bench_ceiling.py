"""The load bench's ceiling: the static-TwiML app under gunicorn, started from the project root
as bench/load.py starts it, without any hotline settings in the environment, and the run's
calls replayed against it."""

from __future__ import annotations

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
