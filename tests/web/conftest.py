"""Fixtures of the dashboard tests: the factories' session and a signed-in client."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.models import User
from tests import factories
from tests.web.pages import log_in


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session of the test database with the factories bound to it; commit before requests."""
    with app.extensions["hotline.db"].sessions() as session, factories.bound(session):
        yield session


@pytest.fixture
def sign_in(client: FlaskClient, db: Session) -> Callable[..., User]:
    """Create a user (factory arguments), commit everything so far and log the client in."""

    def sign_in(**kwargs: object) -> User:
        user: User = factories.UserFactory(**kwargs)
        db.commit()
        assert log_in(client, user.username).status_code == 302
        return user

    return sign_in
