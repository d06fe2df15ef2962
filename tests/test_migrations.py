"""Migrations build the schema from empty on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from hotline.db import Base
from hotline.migrate import upgrade
from hotline.search.schema import include_object


def assert_schema_matches_models(url: str) -> None:
    engine = create_engine(url)
    with engine.connect() as conn:
        # The search indexes (FTS5 tables, trigram indexes) are not models: see include_object.
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert diff == []
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


def test_upgrade_from_empty_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    assert_schema_matches_models(url)


def test_upgrade_from_empty_on_postgresql(postgres_url: str) -> None:
    # The fixture itself ran `upgrade head` on a new, empty database.
    assert_schema_matches_models(postgres_url)
