"""The embedded SQLite database: the writers' queue."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from hotline.db import checkpoint_wal, make_engine


def _handover_seconds(engine: Engine, hold_s: float) -> float:
    """How long after the first writer's commit the waiting second writer gets in."""
    wrote_at: list[float] = []

    def second_writer() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
            wrote_at.append(time.monotonic())

    with engine.connect() as first:
        first.execute(text("INSERT INTO t VALUES (1)"))
        thread = threading.Thread(target=second_writer)
        thread.start()
        time.sleep(hold_s)
        assert wrote_at == []  # still waiting while the first one holds the lock
        first.commit()
        committed_at = time.monotonic()
    thread.join(timeout=5)
    return wrote_at[0] - committed_at


def test_a_waiting_writer_gets_in_as_soon_as_the_first_commits(tmp_path: Path) -> None:
    database = tmp_path / "w.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))

    # SQLite's own busy handler polls with sleeps of 50-100 ms by now; the writers' lock
    # wakes the waiter at once. Best of three, so a busy machine does not decide it.
    handover = min(_handover_seconds(engine, hold_s=0.3) for _ in range(3))

    assert handover < 0.04
    assert (tmp_path / "w.db.writelock").exists()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 6
    engine.dispose()


def test_readers_do_not_queue_behind_a_writer(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as writer, engine.connect() as reader:
        writer.execute(text("INSERT INTO t VALUES (2)"))
        started = time.monotonic()
        assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
        assert time.monotonic() - started < 0.5
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
