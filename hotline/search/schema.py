"""The search indexes: which columns are searched, their DDL per dialect, and how the schema
comparison (Alembic's autogenerate, tests/test_migrations.py) leaves them out.

Search reads the text where it lives, so nothing has to keep a copy in step: a voicemail's
current transcript as its ticket holds it (ticket.transcript_text, beside the ticket's date,
community and status, so one table answers a search and its filters), earlier transcripts
(transcript.text), summaries (ticket.summary) and notes (ticket_event.note). PostgreSQL
indexes those columns with pg_trgm (GIN trigram indexes answer LIKE/ILIKE '%...%' for any
pattern of three characters or more, Chinese included: the database's LC_CTYPE must know CJK
letters, e.g. C.UTF-8 or zh_CN.UTF-8, not C).
SQLite keeps an FTS5 trigram index per column (external content: the index only, the text
stays in its table), kept in step by triggers. Every object is named `search_...`: the models
do not declare them, and `include_object` hides that prefix from the comparison.

A later migration that rebuilds one of these tables on SQLite (Alembic batch mode copies the
table) drops its triggers: call `install_sqlite(op.get_bind())` again at its end
(tests/search/test_schema.py fails until then).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

PREFIX = "search_"

# (table, column): the searched text of each source.
SOURCES: tuple[tuple[str, str], ...] = (
    ("ticket", "transcript_text"),
    ("transcript", "text"),
    ("ticket", "summary"),
    ("ticket_event", "note"),
)


def fts_table(table: str, column: str) -> str:
    """The SQLite FTS5 table indexing `table`.`column`."""
    return f"{PREFIX}{table}_{column}"


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's include_object: leave the search indexes, FTS5 tables (and their shadow
    tables) out of the comparison between the models and the database."""
    return not (name or "").startswith(PREFIX)


# Names come from SOURCES above, never from input.
_SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5("
    "{column}, content='{table}', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN"
    " INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END",
    "CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN"
    " INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column}); END",
    "CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {column} ON {table} BEGIN"
    " INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
    " INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END",
    # Indexes whatever the table already holds (and repairs a stale index).
    "INSERT INTO {fts}({fts}) VALUES ('rebuild')",
)


def _sqlite_statements() -> list[str]:
    return [
        statement.format(fts=fts_table(table, column), table=table, column=column)
        for table, column in SOURCES
        for statement in _SQLITE_DDL
    ]


def _install_join_index(conn: Connection) -> None:
    # Transcripts reach their ticket through ticket.recording_id; without an index every
    # matching transcript would scan the ticket table for its ticket.
    conn.execute(
        text(f"CREATE INDEX IF NOT EXISTS {PREFIX}ticket_recording ON ticket (recording_id)")
    )


def install_sqlite(conn: Connection) -> None:
    """Create (or repair) the FTS5 trigram indexes and their triggers; safe to run again."""
    for statement in _sqlite_statements():
        conn.execute(text(statement))
    _install_join_index(conn)


def drop_sqlite(conn: Connection) -> None:
    """Remove the FTS5 indexes and their triggers."""
    for table, column in SOURCES:
        fts = fts_table(table, column)
        for suffix in ("ai", "ad", "au"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {fts}_{suffix}"))
        conn.execute(text(f"DROP TABLE IF EXISTS {fts}"))
    conn.execute(text(f"DROP INDEX IF EXISTS {PREFIX}ticket_recording"))


def install_postgresql(conn: Connection) -> None:
    """Create pg_trgm and a GIN trigram index per searched column; safe to run again."""
    conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    for table, column in SOURCES:
        conn.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS {PREFIX}{table}_{column}_trgm"
                f" ON {table} USING gin ({column} gin_trgm_ops)"
                # A voicemail's summary is its transcript's start, searched there: only the
                # other summaries are indexed (hotline.search.query asks the same).
                + (" WHERE transcript_text = ''" if column == "summary" else "")
            )
        )
    _install_join_index(conn)


def drop_postgresql(conn: Connection) -> None:
    """Remove the trigram indexes (the pg_trgm extension stays: others may use it)."""
    for table, column in SOURCES:
        conn.execute(text(f"DROP INDEX IF EXISTS {PREFIX}{table}_{column}_trgm"))
    conn.execute(text(f"DROP INDEX IF EXISTS {PREFIX}ticket_recording"))


def install(conn: Connection) -> None:
    """The search indexes for this connection's dialect."""
    if conn.dialect.name == "postgresql":
        install_postgresql(conn)
    elif conn.dialect.name == "sqlite":
        install_sqlite(conn)


def drop(conn: Connection) -> None:
    """Remove the search indexes for this connection's dialect."""
    if conn.dialect.name == "postgresql":
        drop_postgresql(conn)
    elif conn.dialect.name == "sqlite":
        drop_sqlite(conn)
