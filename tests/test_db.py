"""The embedded SQLite database: the writers' queue."""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from hotline.db import checkpoint_wal, make_engine


def no_busy_wait(conn: Connection) -> None:
    """Turn SQLite's own waiting (a busy handler polling with sleeps) off for this connection:
    a locked database now fails at once with "database is locked"."""
    conn.exec_driver_sql("PRAGMA busy_timeout=0")


def test_a_waiting_writer_queues_on_the_lock_and_gets_in_when_the_first_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    # Note when a writer finds the writers' lock taken and starts waiting on it.
    queued = threading.Event()
    flock = fcntl.flock

    def noting_flock(fd: int, operation: int) -> None:
        if operation == fcntl.LOCK_EX:
            try:
                return flock(fd, operation | fcntl.LOCK_NB)
            except BlockingIOError:
                queued.set()
        return flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", noting_flock)
    events: list[str] = []
    failures: list[Exception] = []

    def second_writer() -> None:
        try:
            with engine.connect() as conn:
                no_busy_wait(conn)
                conn.execute(text("INSERT INTO t VALUES (2)"))
                events.append("second wrote")
                conn.commit()
        except Exception as exc:  # noqa: BLE001  (reported by the test below)
            failures.append(exc)

    with engine.connect() as first:
        first.execute(text("INSERT INTO t VALUES (1)"))
        thread = threading.Thread(target=second_writer)
        thread.start()
        assert queued.wait(timeout=30)  # the second writer waits on the lock...
        assert events == []  # ...and has not written
        events.append("first committed")
        first.commit()
    thread.join(timeout=30)

    # It got in after the commit, woken by the lock: SQLite never saw it busy.
    assert failures == []
    assert events == ["first committed", "second wrote"]
    assert (tmp_path / "w.db.writelock").exists()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
    engine.dispose()


def test_readers_do_not_queue_behind_a_writer(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as writer, engine.connect() as reader:
        writer.execute(text("INSERT INTO t VALUES (2)"))
        # Same thread: a reader waiting on the writers' lock would never return, and one
        # waiting on SQLite would fail at once.
        no_busy_wait(reader)
        assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
        writer.rollback()
    engine.dispose()


def test_checkpoint_moves_the_write_ahead_log_into_the_database(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    database = tmp_path / "c.db"
    # Webhooks do not checkpoint: the new table's pages are only in the write-ahead log so far.
    before = database.stat().st_size

    checkpoint_wal(engine)

    assert database.stat().st_size > before
    engine.dispose()
