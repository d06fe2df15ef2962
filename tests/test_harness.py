"""The test harness itself: a test's commits stay inside its transaction, which is rolled back,
and the network guard still sees a write that is not committed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.db import make_engine
from hotline.models import Community
from tests.conftest import Transactions


def communities(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Community)) or 0


def assert_committed_only_inside_the_test(app: Flask, session: Session, url: str) -> None:
    session.add(Community(code="c1", name="东城社区"))
    session.commit()

    with app.extensions["hotline.db"].sessions() as request_session:
        assert communities(request_session) == 1  # what the app's other sessions see
    outside = make_engine(url)
    with outside.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Community)) == 0  # not on disk
    outside.dispose()


def test_a_commit_on_sqlite_is_a_savepoint_of_the_tests_transaction(
    app: Flask, session: Session, database_url: str
) -> None:
    assert communities(session) == 0  # nothing left over from earlier tests
    assert_committed_only_inside_the_test(app, session, database_url)


@pytest.mark.postgres
def test_a_commit_on_postgresql_is_a_savepoint_of_the_tests_transaction(
    make_app: Callable[..., Flask], postgres_url: str
) -> None:
    app = make_app(database_url=postgres_url)
    with app.extensions["hotline.db"].sessions() as session:
        assert communities(session) == 0
        assert_committed_only_inside_the_test(app, session, postgres_url)


def test_an_uncommitted_write_counts_until_its_commit(
    session: Session, transactions: Transactions
) -> None:
    assert communities(session) == 0  # a read writes nothing
    assert not transactions.holds_uncommitted_writes()
    session.add(Community(code="c1", name="东城社区"))
    session.flush()
    assert transactions.holds_uncommitted_writes()
    session.commit()
    assert not transactions.holds_uncommitted_writes()
    session.add(Community(code="c2", name="西城社区"))
    session.flush()
    session.rollback()
    assert not transactions.holds_uncommitted_writes()
