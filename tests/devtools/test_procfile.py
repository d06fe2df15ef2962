"""`make run`'s process runner: web, worker and beat stopped cleanly by Ctrl-C, exit 0."""

from __future__ import annotations

import os
import pty
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hotline.devtools.procfile import Entry, read_procfile
from hotline.migrate import upgrade
from hotline.settings import PROJECT_ROOT

BIN = Path(sys.executable).parent
# A process that stops on SIGTERM with exit 0, as gunicorn and Celery do.
POLITE = (
    f"{sys.executable} -c 'import signal, sys, time;"
    ' signal.signal(signal.SIGTERM, lambda *a: sys.exit(0)); print("up", flush=True);'
    " time.sleep(60)'"
)


def test_the_procfile_is_read_line_by_line(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text("# the line\nweb: gunicorn app:app\n\nworker:  celery -A worker worker\n")

    assert read_procfile(procfile) == [
        Entry("web", "gunicorn app:app"),
        Entry("worker", "celery -A worker worker"),
    ]


def start(procfile: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "hotline.devtools.procfile", str(procfile)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(process: subprocess.Popen[str], count: int, marker: str) -> list[str]:
    lines: list[str] = []
    assert process.stdout is not None
    while sum(marker in line for line in lines) < count:
        line = process.stdout.readline()
        assert line, "".join(lines)
        lines.append(line)
    return lines


def test_sigint_stops_every_process_and_exits_0(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text(f"one: {POLITE}\ntwo: {POLITE}\n")
    runner = start(procfile)
    wait_for(runner, 2, "| up")

    runner.send_signal(signal.SIGINT)
    output, _ = runner.communicate(timeout=60)

    assert runner.returncode == 0, output
    assert "SIGINT received: stopping" in output
    assert "one stopped (exit 0)" in output and "two stopped (exit 0)" in output


def test_a_process_that_ends_by_itself_stops_the_others_and_fails_the_run(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text(f"one: {POLITE}\nbroken: {sys.executable} -c 'raise SystemExit(3)'\n")
    runner = start(procfile)

    output, _ = runner.communicate(timeout=60)

    assert runner.returncode == 1
    assert "broken ended by itself: stopping the others" in output
    assert "broken stopped (exit 3)" in output and "one stopped (exit 0)" in output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_ctrl_c_on_a_terminal_stops_web_worker_and_beat_and_make_exits_0(tmp_path: Path) -> None:
    """The real Procfile under make, on a terminal: ^C reaches the runner, not make. The line
    gets a database of its own: its worker and beat commit rows (heartbeats, beat's jobs) that
    would outlive this test in the suite's shared one."""
    database_url = f"sqlite:///{tmp_path / 'line.db'}"
    upgrade(database_url)
    procfile = tmp_path / "Procfile"
    real = (PROJECT_ROOT / "Procfile").read_text(encoding="utf-8")
    procfile.write_text(real.replace("var/celerybeat-schedule", str(tmp_path / "beat-schedule")))
    makefile = tmp_path / "Makefile"
    makefile.write_text(f"run:\n\t@{sys.executable} -m hotline.devtools.procfile {procfile}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(
        PATH=f"{BIN}:{env['PATH']}",
        PORT=str(free_port()),
        HOTLINE_SECRET_KEY="test",
        HOTLINE_VALIDATE_SIGNATURES="false",
        HOTLINE_DATABASE_URL=database_url,
        HOTLINE_BROKER_URL=f"sqla+sqlite:///{tmp_path / 'broker.db'}",
        HOTLINE_MODELS_DIR=str(tmp_path / "models"),
        HOTLINE_VOSK_MODEL_PACKAGES="false",
    )
    pid, terminal = pty.fork()
    if pid == 0:  # the child: make on the pseudo-terminal, as typed in a shell
        os.chdir(PROJECT_ROOT)
        os.execvpe("make", ["make", "--no-print-directory", "-f", str(makefile), "run"], env)
    seen = b""

    def read_until(marker: bytes | None, seconds: float) -> None:
        nonlocal seen
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and (marker is None or marker not in seen):
            ready, _, _ = select.select([terminal], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(terminal, 65536)
                except OSError:  # the child closed the terminal: it is done
                    return
                if not chunk:
                    return
                seen += chunk

    # Up: the worker says it is ready (its banner also starts with "celery@"), beat has started.
    read_until(b" ready.", 120)
    read_until(b"beat: Starting", 60)
    read_until(b"Listening at", 30)
    assert b" ready." in seen and b"beat: Starting" in seen and b"Listening at" in seen, seen
    os.write(terminal, b"\x03")  # Ctrl-C
    read_until(None, 60)
    _, status = os.waitpid(pid, 0)
    os.close(terminal)

    output = seen.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, output[output.find("SIGINT") - 500 :]
    for name in ("web", "worker", "beat"):
        assert f"{name:<6} | " in output
        assert f"{name} stopped (exit 0)" in output
    assert "killing" not in output and "Interrupt" not in output
