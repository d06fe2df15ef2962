"""The load bench's ceiling: the static-TwiML app under gunicorn, started from the project root
as bench/load.py starts it, without any hotline settings in the environment."""

from __future__ import annotations

import os
from pathlib import Path

import requests

from bench import load
from hotline.devtools import stack


def test_the_ceiling_starts_without_the_hotline_settings(tmp_path: Path) -> None:
    # The project's gunicorn.conf.py checks the hotline's settings in the master; the ceiling
    # is not the hotline and must not need them (the run used to end there).
    assert not any(name.startswith("HOTLINE_") for name in load.ceiling_env())
    port = stack.free_port()
    server = load.ceiling(tmp_path, port, threads=1)
    try:
        server.start("Booting worker")
        stack.wait_for_http(f"http://127.0.0.1:{port}/healthz", server)
        answer = requests.post(
            f"http://127.0.0.1:{port}/voice/incoming", data={"CallSid": "CA1"}, timeout=10
        )
    finally:
        server.stop()

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/xml")
    assert "<Gather" in answer.text
    assert os.path.exists(tmp_path / "static.log")
