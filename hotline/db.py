"""Declarative base, engine and session factory; plain SQLAlchemy so workers need no app context."""

from __future__ import annotations

import enum
import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, Table, create_engine, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; hotline stores aware UTC timestamps only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base of every model; constraint names are stable so migrations can refer to them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Status enums are stored by value as plain strings: readable in SQL, and adding a
    # value needs no ALTER TYPE on PostgreSQL.
    type_annotation_map = {
        datetime: UTCDateTime(),
        enum.Enum: Enum(
            enum.Enum,
            native_enum=False,
            length=32,
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
        ),
    }


# 10,000 pages of 4 KiB: a 40 MB write-ahead log before a webhook has to checkpoint it.
AUTOCHECKPOINT_PAGES = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web workers read while the Celery worker writes; NORMAL sync is
    # durable across application crashes, which is what an embedded default needs.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Checkpoints copy the WAL into the database and fsync it: run inside a webhook's commit
    # they stall every writer queued behind it. Beat runs them (checkpoint_wal()); the automatic
    # one stays only as a backstop for when beat is not running.
    cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
    cursor.close()


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")

# Per thread: how many SQLite writers' locks it holds (uncommitted writes).
_held = threading.local()


def holds_write_lock() -> bool:
    """True while this thread has an uncommitted SQLite write, so every other writer waits on
    it: network I/O must never happen then (tests assert it around every outbound request)."""
    return bool(getattr(_held, "count", 0))


def _writer_lock_factory(lock_path: str) -> type[sqlite3.Connection]:
    """A sqlite3 connection class that holds an exclusive flock on `lock_path` from its first
    write until commit or rollback.

    SQLite lets one writer in at a time and makes the others poll with sleeps that grow to
    tens of milliseconds; a writer waiting on flock wakes the moment the lock is free. Every
    process of the line (web workers, Celery, CLI) opens the database through make_engine, so
    they all queue here first.
    """

    class LockingCursor(sqlite3.Cursor):
        connection: LockingConnection

        def execute(self, sql: str, parameters: Any = (), /) -> LockingCursor:
            if sql.lstrip()[:6].upper() in WRITES:
                self.connection.lock_for_writing()
            return super().execute(sql, parameters)

        def executemany(self, sql: str, seq: Any, /) -> LockingCursor:
            self.connection.lock_for_writing()
            return super().executemany(sql, seq)

    class LockingConnection(sqlite3.Connection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._locked = False

        def cursor(self, factory: Any = LockingCursor) -> Any:
            return super().cursor(factory)

        def lock_for_writing(self) -> None:
            if not self._locked:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
                self._locked = True
                _held.count = getattr(_held, "count", 0) + 1

        def _unlock(self) -> None:
            if self._locked:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                self._locked = False
                _held.count = getattr(_held, "count", 1) - 1

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self._unlock()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self._unlock()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._unlock()
                os.close(self._lock_fd)

    return LockingConnection


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a writers' queue and a busy timeout as a last resort."""
    if url.startswith("sqlite"):
        database = make_url(url).database
        connect_args: dict[str, Any] = {"check_same_thread": False}
        if database and database != ":memory:":
            connect_args["factory"] = _writer_lock_factory(f"{database}.writelock")
        engine = create_engine(url, connect_args=connect_args)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # The ping costs a round trip per checkout; it buys seamless recovery after a database
    # restart, where a caller would otherwise hear the apology instead of the menu.
    return create_engine(url, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (views render after committing)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on error: the callers' unit of work."""
    with factory() as session, session.begin():
        yield session


def upsert(session: Session, table: type[Base] | Table) -> sqlite.Insert | postgresql.Insert:
    """An INSERT into `table` that can take ON CONFLICT clauses on either supported database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def checkpoint_wal(engine: Engine) -> None:
    """Copy SQLite's write-ahead log into the database without blocking writers (PASSIVE);
    nothing to do on PostgreSQL."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
