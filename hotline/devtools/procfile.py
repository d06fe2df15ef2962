"""Run a Procfile's processes together for `make run`, and stop them cleanly on Ctrl-C.

`python -m hotline.devtools.procfile Procfile` starts every line (`name: command`) in its own
process group, prefixes their output with their names, and on SIGINT or SIGTERM sends SIGTERM to
each main process only (gunicorn's master, Celery's worker and beat: each shuts down gracefully;
a Celery pool child that is sent SIGTERM itself dies mid-task), waits for them, and exits 0 when
they all stopped cleanly. One that exits on its own stops the others, as honcho did.

On a terminal it takes the foreground: Ctrl-C then reaches this runner alone, not `make`, which
would otherwise die of the signal ("make: *** Interrupt", status 130) however cleanly its
recipe ended.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# Celery's warm shutdown waits for running tasks (a voicemail being transcribed, a model being
# loaded): long enough for those, then the stragglers are killed.
STOP_WAIT_S = 30.0


@dataclass(frozen=True)
class Entry:
    """One Procfile line."""

    name: str
    command: str


def read_procfile(path: Path) -> list[Entry]:
    """The `name: command` lines of a Procfile (blank lines and # comments skipped)."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip() or not command.strip():
            raise ValueError(f"{path}: not a `name: command` line: {line!r}")
        entries.append(Entry(name.strip(), command.strip()))
    return entries


def _relay(name: str, width: int, stream: IO[bytes], out: IO[str], lock: threading.Lock) -> None:
    """Copy a process's output to ours, each line prefixed with the time and its name."""
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace").rstrip("\n")
        with lock:
            out.write(f"{time.strftime('%H:%M:%S')} {name:<{width}} | {line}\n")
            out.flush()


@contextmanager
def _foreground() -> Iterator[None]:
    """Make this process's own group the terminal's foreground (if stdin is a terminal)."""
    fd = sys.stdin.fileno() if sys.stdin is not None and sys.stdin.isatty() else None
    if fd is None:
        yield
        return
    previous = os.tcgetpgrp(fd)
    os.setpgid(0, 0)
    # A background group changing the foreground is sent SIGTTOU unless it ignores it.
    handler = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        os.tcsetpgrp(fd, os.getpgrp())
        yield
    finally:
        try:
            os.tcsetpgrp(fd, previous)
        except OSError:
            pass  # the old group is gone (the shell takes the terminal back itself)
        signal.signal(signal.SIGTTOU, handler)


def run(entries: list[Entry], out: IO[str] = sys.stdout) -> int:
    """Start every entry, stop all when one ends or on SIGINT/SIGTERM; 0 if all ended cleanly."""
    lock = threading.Lock()
    width = max(len(entry.name) for entry in entries)
    stopping = threading.Event()

    def say(message: str) -> None:
        with lock:
            out.write(f"{time.strftime('%H:%M:%S')} {'system':<{width}} | {message}\n")
            out.flush()

    def on_signal(signum: int, _frame: object) -> None:
        if not stopping.is_set():
            say(f"{signal.Signals(signum).name} received: stopping")
        stopping.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    relays = []
    try:
        for entry in entries:
            # Each in its own session: a terminal's Ctrl-C reaches none of them directly.
            process = subprocess.Popen(  # noqa: S603  (the project's own Procfile)
                ["/bin/sh", "-c", f"exec {entry.command}"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            processes[entry.name] = process
            say(f"{entry.name} started (pid {process.pid})")
            relay = threading.Thread(
                target=_relay,
                args=(entry.name, width, process.stdout, out, lock),
                daemon=True,
            )
            relay.start()
            relays.append(relay)
        while not stopping.is_set():
            ended = [name for name, p in processes.items() if p.poll() is not None]
            if ended:
                say(f"{', '.join(ended)} ended by itself: stopping the others")
                break
            stopping.wait(0.2)
        # Asked to stop, and everything stopped cleanly: the only way to end with 0.
        clean = stopping.is_set() & _stop(processes, say)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    for relay in relays:
        relay.join(timeout=1.0)
    return 0 if clean else 1


def _stop(processes: dict[str, subprocess.Popen[bytes]], say: Callable[[str], None]) -> bool:
    """SIGTERM each running main process, wait, kill stragglers' groups; True if every process
    exited with 0 in time."""
    for name, process in processes.items():
        if process.poll() is None:
            say(f"sending SIGTERM to {name} (pid {process.pid})")
            process.terminate()
    deadline = time.monotonic() + STOP_WAIT_S
    clean = True
    for name, process in processes.items():
        try:
            code = process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{name} still running after {STOP_WAIT_S:.0f} s: killing it")
            os.killpg(process.pid, signal.SIGKILL)
            code = process.wait()
            clean = False
        say(f"{name} stopped (exit {code})")
        clean = clean and code == 0
    return clean


def main() -> None:
    """`python -m hotline.devtools.procfile [Procfile]`."""
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "Procfile")
    with _foreground():
        code = run(read_procfile(path))
    raise SystemExit(code)


if __name__ == "__main__":
    main()
