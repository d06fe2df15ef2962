"""`flask rota`: who is on duty, coverage gaps, fairness, and importing volunteers."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup

from hotline import rota
from hotline.csv_rows import decode
from hotline.extensions import db_session, now, settings
from hotline.rota.cadence import first_instant
from hotline.rota.chain import layer_label

# AppGroup: its commands push an app context themselves (also under app.test_cli_runner()).
group = AppGroup("rota", help="The volunteer rota.")

LOCAL_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"]


def _zone() -> ZoneInfo:
    return ZoneInfo(settings().timezone)


def _local(t: datetime, tz: ZoneInfo) -> str:
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _span(starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> str:
    hours = (ends_at - starts_at).total_seconds() / 3600
    return f"{_local(starts_at, tz)} -> {_local(ends_at, tz)}  ({hours:.1f} h)"


@group.command("show")
@click.option("--at", "at", type=click.DateTime(LOCAL_FORMATS), help="Local time (default: now).")
def show(at: datetime | None) -> None:
    """Print the on-duty chain at a local time, ending with the supervisors' fallback."""
    config = settings()
    tz = _zone()
    instant = first_instant(at, tz) if at else now()
    chain = rota.on_duty(db_session(), instant)
    click.echo(f"On duty at {_local(instant, tz)} ({config.timezone}):")
    for position, link in enumerate(chain, start=1):
        click.echo(
            f"  {position}. layer {link.layer} {layer_label(link.layer)}"
            f"  {link.name}  {link.number}"
        )
    if not chain:
        click.echo("  nobody on the rota")
    if config.supervisor_fallback_number:
        click.echo(
            f"  {len(chain) + 1}. fallback  supervisors  {config.supervisor_fallback_number}"
        )


@group.command("coverage")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 366))
def coverage(days: int) -> None:
    """Print gaps, windows without backup and leave conflicts ahead; exit 1 if there is a gap."""
    tz = _zone()
    report = rota.coverage_report(db_session(), now(), days)
    for gap in report.gaps:
        click.echo(f"GAP        {_span(gap.starts_at, gap.ends_at, tz)}  nobody on layer 1")
    for window in report.no_backup:
        click.echo(f"NO BACKUP  {_span(window.starts_at, window.ends_at, tz)}")
    for conflict in report.conflicts:
        w = conflict.window
        click.echo(
            f"{conflict.reason.upper():<10} {_span(w.starts_at, w.ends_at, tz)}"
            f"  {w.name} scheduled on layer {w.layer}"
        )
    click.echo(
        f"{len(report.gaps)} gaps, {len(report.no_backup)} windows without backup, "
        f"{len(report.conflicts)} conflicts in the next {days} days"
    )
    if report.gaps:
        raise SystemExit(1)


@group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--create-missing", is_flag=True, help="Create teams and communities not found.")
def import_volunteers(path: Path, create_missing: bool) -> None:
    """Import volunteers from a CSV file: all rows, or none and a report of every error."""
    try:
        text = decode(path.read_bytes())
    except UnicodeDecodeError:
        click.echo(f"{path}: not UTF-8 or GB18030 text; save it as CSV UTF-8", err=True)
        raise SystemExit(1) from None
    session = db_session()
    report = rota.import_volunteers(
        session, io.StringIO(text, newline=""), create_missing=create_missing
    )
    if not report.ok:
        session.rollback()
        for error in report.errors:
            click.echo(f"{path}: {error}", err=True)
        click.echo(f"{len(report.errors)} errors: nothing imported", err=True)
        raise SystemExit(1)
    session.commit()
    click.echo(f"imported {report.created} new and {report.updated} updated volunteers")


@group.command("fairness")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option(
    "--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day, included."
)
def fairness(first: datetime, last: datetime) -> None:
    """Print hours, night and weekend hours and calls per volunteer and team, with spreads."""
    config = settings()
    tz = _zone()
    report = rota.fairness_report(
        db_session(),
        first_instant(first, tz),
        first_instant(last + timedelta(days=1), tz),
        timezone=config.timezone,
    )
    header = f"{'':<24}{'hours':>8}{'primary':>9}{'night':>8}{'weekend':>9}{'calls':>7}"
    for team in report.teams:
        click.echo(f"\n{team.name or '(no team)'}")
        click.echo(header)
        for x in team.summary.loads:
            click.echo(
                f"  {x.name:<22}{x.hours:>8.1f}{x.primary_hours:>9.1f}"
                f"{x.night_hours:>8.1f}{x.weekend_hours:>9.1f}{x.calls:>7}"
            )
        click.echo(_spread_line(team.summary))
    click.echo("\nEveryone")
    click.echo(_spread_line(report.overall))


def _spread_line(summary: rota.LoadSummary) -> str:
    h, c = summary.hours, summary.calls
    return (
        f"  hours max {h.max:.1f} min {h.min:.1f} sd {h.stdev:.1f}; "
        f"night sd {summary.night_hours.stdev:.1f}; weekend sd {summary.weekend_hours.stdev:.1f}; "
        f"calls max {c.max:.0f} min {c.min:.0f} sd {c.stdev:.1f}"
    )
