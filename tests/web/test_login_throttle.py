"""Login throttling: failed logins are counted per account and per client address."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.extensions import limiter
from hotline.web.dashboard import throttle
from tests import factories
from tests.conftest import service_unavailable
from tests.helpers import log_in, text

WRONG = "not the password"
THROTTLED = "登录失败次数过多"
REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own; its keys are removed after


def address(n: int) -> str:
    return f"198.51.100.{n}"


def assert_throttled(client: FlaskClient, username: str, from_address: str) -> None:
    """The right password is refused with 429 and a message, and does not sign in."""
    response = log_in(client, username, address=from_address)
    assert response.status_code == 429
    assert THROTTLED in text(response)
    assert 0 < int(response.headers["Retry-After"]) <= throttle.WINDOW_MINUTES * 60
    assert client.get("/tickets").status_code == 302


def test_failed_logins_are_throttled_per_account_across_addresses(
    client: FlaskClient, session: Session
) -> None:
    factories.UserFactory(username="zhang")
    session.commit()
    for n in range(throttle.ACCOUNT_FAILURES):
        # Usernames are compared trimmed and case-insensitively, and so are they counted.
        name = "ZHANG " if n % 2 else "zhang"
        assert log_in(client, name, WRONG, address=address(n)).status_code == 200

    assert_throttled(client, "zhang", address(99))
    # Other accounts are not held up.
    factories.UserFactory(username="li")
    session.commit()
    assert log_in(client, "li", address=address(99)).status_code == 302


def test_failed_logins_are_throttled_per_address_across_accounts(
    client: FlaskClient, session: Session
) -> None:
    factories.UserFactory(username="zhang")
    for n in range(throttle.ADDRESS_FAILURES):
        factories.UserFactory(username=f"user{n}")
    session.commit()
    for n in range(throttle.ADDRESS_FAILURES):
        assert log_in(client, f"user{n}", WRONG, address=address(1)).status_code == 200

    assert_throttled(client, "zhang", address(1))
    # Another address may still log in.
    assert log_in(client, "zhang", address=address(2)).status_code == 302


def test_one_more_failure_is_allowed_before_the_limit(
    client: FlaskClient, session: Session
) -> None:
    factories.UserFactory(username="zhang")
    session.commit()
    for _ in range(throttle.ACCOUNT_FAILURES - 1):
        assert log_in(client, "zhang", WRONG).status_code == 200

    assert log_in(client, "zhang").status_code == 302


def test_successful_logins_are_not_counted(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    factories.UserFactory(username="zhang")
    session.commit()
    for _ in range(throttle.ADDRESS_FAILURES + 1):
        assert log_in(client, "zhang").status_code == 302
        client.post("/logout")

    assert log_in(client, "zhang").status_code == 302


def test_login_is_allowed_again_after_the_window(client: FlaskClient, session: Session) -> None:
    factories.UserFactory(username="zhang")
    session.commit()
    for _ in range(throttle.ACCOUNT_FAILURES):
        log_in(client, "zhang", WRONG)
    assert_throttled(client, "zhang", "127.0.0.1")

    limiter.reset()  # what the window's end does to the counts

    assert log_in(client, "zhang").status_code == 302
    assert client.get("/tickets").status_code == 200


def test_the_throttle_message_is_translated(client: FlaskClient, session: Session) -> None:
    for _ in range(throttle.ACCOUNT_FAILURES):
        log_in(client, "nobody", WRONG)
    client.set_cookie("lang", "en")

    response = log_in(client, "nobody", WRONG)

    assert response.status_code == 429
    assert "Too many failed logins" in text(response)
    assert "<h1>Log in</h1>" in text(response)


@pytest.mark.parametrize(
    ("broker_url", "storage"),
    [
        ("redis://cache:6379/0", "redis://cache:6379/0"),
        ("rediss://:secret@cache:6380/1", "rediss://:secret@cache:6380/1"),
        ("sqla+sqlite:///var/celery-broker.db", "memory://"),
        ("amqp://guest:guest@rabbit//", "memory://"),
        ("memory://", "memory://"),
    ],
)
def test_the_counts_live_in_the_brokers_redis_else_in_memory(broker_url: str, storage: str) -> None:
    assert throttle.storage_uri(broker_url) == storage


@pytest.fixture
def redis_app(
    make_app: Callable[..., Flask], session: Session
) -> Iterator[tuple[Flask, redis.Redis]]:
    """An app whose broker, and so its login counts, is the machine's Redis.

    Built after `session` (and its app): the limiter is one extension object, and the app
    initialised last chooses its storage.
    """
    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        server.ping()
    except redis.RedisError as exc:
        service_unavailable("Redis", exc)
    yield make_app(broker_url=REDIS_URL), server
    server.close()


@pytest.mark.redis
def test_failed_logins_are_counted_in_redis(
    redis_app: tuple[Flask, redis.Redis], session: Session
) -> None:
    app, server = redis_app
    username, client_address = f"redis-{uuid.uuid4().hex[:12]}", address(77)
    factories.UserFactory(username=username)
    session.commit()
    client = app.test_client()
    try:
        for _ in range(throttle.ACCOUNT_FAILURES):
            assert log_in(client, username, WRONG, address=client_address).status_code == 200

        keys = [
            key.decode()
            for pattern in (f"*{username}*", f"*{client_address}*")
            for key in server.scan_iter(match=pattern)
        ]
        assert len(keys) == 2
        assert all(
            0 < server.ttl(key) <= throttle.WINDOW_MINUTES * 60
            and int(server.get(key) or 0) == throttle.ACCOUNT_FAILURES
            for key in keys
        )
        assert_throttled(app.test_client(), username, address(78))

        server.delete(*keys)  # what the window's end does to the counts
        assert log_in(client, username, address=client_address).status_code == 302
    finally:
        for pattern in (f"*{username}*", f"*{client_address}*"):
            for key in server.scan_iter(match=pattern):
                server.delete(key)
