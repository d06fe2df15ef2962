"""Helpers for the rota page tests: logging in, fetching a page (local times: tests.helpers.cn)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.models import User
from tests.factories import PASSWORD, UserFactory


def log_in(client: FlaskClient, db: Session, **kwargs: object) -> User:
    """Create a user (factory arguments), commit everything so far and log the client in."""
    user: User = UserFactory(**kwargs)
    db.commit()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return user


def page(client: FlaskClient, path: str) -> str:
    """The HTML of a page that must answer 200."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)
