"""`flask hotline`: demo data, the first-run welcome, and the carrier simulator."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import click
from sqlalchemy.engine import make_url

from hotline.db import utcnow
from hotline.extensions import db_session, settings
from hotline.recordings import job
from hotline.recordings import queue as recording_queue
from hotline.settings import Settings
from hotline.telephony.carriers import profiles
from hotline.verbs import HOOK_PATHS
from transcripts import ModelError
from transcripts.model import model_language, model_name

group = click.Group("hotline", help="Demo data and the carrier simulator.")

# Longest the simulator keeps serving the voicemail for the worker to fetch it.
DOWNLOAD_WAIT_S = 60.0


@group.command("seed-demo")
def seed_demo() -> None:
    """Seed demo data into an empty database (does nothing otherwise)."""
    from hotline.devtools import demo

    session = db_session()
    if not demo.is_empty(session):
        click.echo("database already has data; demo seed skipped")
        return
    login = demo.seed(session, utcnow())
    session.commit()
    click.echo("Seeded demo communities, categories and volunteers on duty now.")
    click.secho(
        f"Dashboard login: {login.username} / {login.password}  (shown only once: note it)",
        fg="yellow",
        bold=True,
    )


# How the welcome names a broker, by URL scheme (Celery's transports).
BROKERS = {
    "sqla+sqlite": "SQLite",
    "redis": "Redis",
    "rediss": "Redis (TLS)",
    "sentinel": "Redis Sentinel",
    "amqp": "RabbitMQ (AMQP)",
    "pyamqp": "RabbitMQ (AMQP)",
    "amqps": "RabbitMQ (AMQP over TLS)",
    "memory": "in memory (this process only)",
}
DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _masked(url: str) -> str:
    """`url` with its password as *** and without its query string, for printing."""
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    netloc = f"{userinfo.partition(':')[0]}:***@{host}" if at and ":" in userinfo else parts.netloc
    return f"{parts.scheme}://{netloc}{parts.path}"


def describe_broker(url: str) -> str:
    """The kind of Celery broker `url` names and where it is, passwords masked."""
    urls = [part.strip() for part in url.split(";") if part.strip()]  # a failover list
    scheme = urlsplit(urls[0]).scheme.lower() if urls else ""
    return f"{BROKERS.get(scheme, scheme)} at {', '.join(_masked(u) for u in urls)}"


def describe_database(url: str) -> str:
    """The kind of database `url` names and where it is, password masked."""
    parsed = make_url(url)
    kind = DATABASES.get(parsed.get_backend_name(), parsed.get_backend_name())
    return f"{kind} at {parsed.render_as_string(hide_password=True)}"


def describe_model(config: Settings) -> str:
    """The speech model the worker would use, its language and where it is: the truth."""
    try:
        location = job.find_model(
            config.vosk_model, config.models_dir, packages=config.vosk_model_packages
        )
    except ModelError as exc:
        return f"unusable: HOTLINE_VOSK_MODEL: {exc}"
    if location is None:
        return "none: voicemails wait in `awaiting_model`; install one with `make model`"
    name = model_name(location.path)
    language = config.vosk_model_language or model_language(name)
    described = f"{name} ({language}) at {location.path}, found by {location.source}"
    if language != "zh":
        return f"{described}; it does not hear Mandarin: `make model` installs the Chinese one"
    return described


@group.command("welcome")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=5000,
    envvar=["PORT", "HOTLINE_PORT"],
    show_default=True,
    help="Port the web server listens on (PORT or HOTLINE_PORT).",
)
def welcome(port: int) -> None:
    """Print what to do next after `make run`."""
    config = settings()
    base = config.public_base_url
    local = f"http://127.0.0.1:{port}"
    # The simulator signs for the public URL; by hand, outside make, it must be the server's.
    signed_for = "" if port == 5000 else f"HOTLINE_PUBLIC_BASE_URL={base} "
    click.echo(
        f"""
Hotline is starting.
  Database:      {describe_database(config.database_url)}
  Celery broker: {describe_broker(config.broker_url)}
  Speech model:  {describe_model(config)}

  Dashboard:  {local}/   (login `supervisor`, password printed when the demo was seeded;
              reset it with: flask --app app users set-password supervisor)

  Carrier webhooks to paste into your Twilio number (POST):
    A call comes in:        {base}{HOOK_PATHS["incoming"]}
    Call status changes:    {base}{HOOK_PATHS["status"]}

  Try a call from a second terminal (the carrier is simulated, signed like Twilio):
    make simulate{"" if port == 5000 else f" PORT={port}"}
  or, with your own choices (see --help):
    {signed_for}.venv/bin/flask --app app hotline simulate-call --press 1,2 \\
        --voicemail FILE.wav --url {local}

Ctrl-C stops the web server, the worker and beat.
"""
    )


@group.command("simulate-call")
@click.option("--from", "from_number", default="+8613800000001", show_default=True)
@click.option("--to", "to_number", default="+8657100000000", show_default=True)
@click.option(
    "--press",
    "presses",
    multiple=True,
    help="Keys for successive menus; '-' is silence. Repeat or comma-separate: --press 1,1",
)
@click.option(
    "--volunteer",
    "volunteers",
    multiple=True,
    type=click.Choice(["answer", "no-answer", "busy", "voicemail"]),
    help="What each rung volunteer does, in order; the last one repeats.",
)
@click.option(
    "--voicemail",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="WAV file to leave as the voicemail; without it the recording is empty.",
)
@click.option("--hang-up-in-menu", is_flag=True, help="Hang up when the keys run out.")
@click.option("--url", help="Base URL of a running hotline; default: in-process.")
@click.option(
    "--carrier",
    type=click.Choice(sorted(profiles())),
    help="Play this carrier: refuse TwiML it does not support (default: accept any).",
)
def simulate_call(
    from_number: str,
    to_number: str,
    presses: tuple[str, ...],
    volunteers: tuple[str, ...],
    voicemail: Path | None,
    hang_up_in_menu: bool,
    url: str | None,
    carrier: str | None,
) -> None:
    """Play the carrier: ring the line, walk the menu, and print the conversation and ticket."""
    from flask import current_app

    from hotline.devtools.simulator import Caller, Simulator, UnsupportedTwiML

    keys = [k for chunk in presses for k in chunk.split(",") if k]
    caller = Caller(
        from_number=from_number,
        to_number=to_number,
        presses=[None if k == "-" else k for k in keys],
        volunteers=list(volunteers) or ["answer"],
        voicemail=voicemail,
        hang_up_in_menu=hang_up_in_menu,
    )
    simulator = Simulator.for_app(
        current_app,
        base_url=url,
        echo=click.echo,
        carrier=profiles()[carrier] if carrier else None,
    )
    if voicemail is not None and simulator.media_port is None:
        click.echo(
            "  note: no 127.0.0.1:PORT in HOTLINE_CARRIER_MEDIA_HOSTS, so the worker will refuse"
            " to download this voicemail (make run sets one up)"
        )
    try:
        result = simulator.run(caller, linger=_wait_for_download)
    except UnsupportedTwiML as exc:
        hint = (
            " (the carrier has no call screening: run the line with"
            " HOTLINE_CARRIER_SCREENING=false)"
            if "attribute 'url' on <Number>" in str(exc)
            else ""
        )
        raise click.ClickException(f"the carrier refuses the line's answer at {exc}{hint}") from exc
    click.echo(f"Call {result.call_sid} ended.")
    number = result.ticket_number(db_session())
    click.secho(f"Ticket: {number or 'none found'}", bold=True)


def _wait_for_download(recording_sid: str) -> None:
    """Keep the voicemail served until the worker has downloaded it (or the wait runs out)."""
    session = db_session()
    click.echo("  (waiting for the worker to download the voicemail ...)")
    deadline = time.monotonic() + DOWNLOAD_WAIT_S
    while not recording_queue.download_settled(session, recording_sid):
        if time.monotonic() > deadline:
            click.echo("  not downloaded yet: is the worker running? (`flask transcripts retry`)")
            return
        time.sleep(0.5)
        session.rollback()  # a fresh transaction sees the worker's commits
    click.echo("  voicemail downloaded by the worker")
