"""`flask hotline reconcile`: fill in from the carrier's records what the webhooks missed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext

from hotline.extensions import db_session, now, settings
from hotline.rota.cadence import first_instant
from hotline.tasks.calls import reconcile_window
from hotline.telephony import TelephonyError

DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M"]


@click.command("reconcile")
@click.option(
    "--since",
    type=click.DateTime(DATE_FORMATS),
    required=True,
    help="Local date or time (the line's time zone) to reconcile from.",
)
@click.option(
    "--until",
    type=click.DateTime(DATE_FORMATS),
    help="Local date or time to reconcile up to (default: now).",
)
@with_appcontext
def command(since: datetime, until: datetime | None) -> None:
    """Ask the carrier for calls and recordings since DATE; add the calls, final statuses and
    recordings our webhooks missed, and queue the recordings' downloads."""
    zone = ZoneInfo(settings().timezone)
    start = first_instant(since, zone)
    end = first_instant(until, zone) if until else now()
    if end <= start:
        raise click.BadParameter("must be after --since", param_hint="--until")
    click.echo(f"asking the carrier for {start.isoformat()} .. {end.isoformat()}", err=True)
    try:
        result = reconcile_window(
            db_session(), start, end, progress=lambda line: click.echo(line, err=True)
        )
    except TelephonyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(result.summary())
