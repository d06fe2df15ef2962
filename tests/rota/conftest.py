"""Rota test fixtures: the test database session with factories bound to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from tests import factories


@pytest.fixture
def db(session: Session) -> Iterator[Session]:
    """The test session, with every factory writing through it."""
    with factories.bound(session):
        yield session
