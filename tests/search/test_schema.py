"""The search indexes exist at head, follow every change to the text, and stay out of the
models' comparison."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline.search.schema import PREFIX, SOURCES, fts_table, include_object
from tests import factories


def test_sqlite_triggers_and_fts_tables_exist_at_head(session: Session) -> None:
    # A later migration that rebuilds transcript, ticket or ticket_event on SQLite (batch
    # mode) drops these triggers: it must call hotline.search.schema.install_sqlite again.
    names = set(session.scalars(text("SELECT name FROM sqlite_master")))
    for table, column in SOURCES:
        fts = fts_table(table, column)
        assert {fts, f"{fts}_ai", f"{fts}_ad", f"{fts}_au"} <= names


@pytest.mark.postgres
def test_postgresql_trigram_indexes_exist_at_head(pg_session: Session) -> None:
    indexes = dict(
        pg_session.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'search_%'")
        ).all()
    )
    for table, column in SOURCES:
        assert f"USING gin ({column} gin_trgm_ops)" in indexes[f"{PREFIX}{table}_{column}_trgm"]
    assert "WHERE (transcript_text = ''::text)" in indexes[f"{PREFIX}ticket_summary_trgm"]


def test_sqlite_index_follows_updates_and_deletes(session: Session) -> None:
    transcript = factories.TranscriptFactory(text="小区门口的井盖丢了")

    def found(phrase: str) -> list[int]:
        return list(
            session.scalars(
                text(
                    "SELECT rowid FROM search_transcript_text WHERE search_transcript_text MATCH :q"
                ),
                {"q": f'"{phrase}"'},
            )
        )

    assert found("井盖丢") == [transcript.id]
    transcript.text = "小区门口的路灯不亮"
    session.flush()
    assert found("井盖丢") == []
    assert found("路灯不亮") == [transcript.id]
    session.delete(transcript)
    session.flush()
    assert found("路灯不亮") == []


def test_include_object_hides_only_search_objects() -> None:
    assert not include_object(None, "search_transcript_data", "table", True, None)
    assert not include_object(None, "search_transcript_text_trgm", "index", True, None)
    assert include_object(None, "transcript", "table", True, None)
    assert include_object(None, "ix_ticket_status", "index", True, None)
