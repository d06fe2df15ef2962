"""`flask dispatch`: the talent pool from the command line (import technicians, list them)."""

from __future__ import annotations

import io
from pathlib import Path

import click
from flask.cli import AppGroup

from hotline import dispatch
from hotline.csv_rows import decode
from hotline.extensions import db_session

# AppGroup: its commands push an app context themselves (also under app.test_cli_runner()).
group = AppGroup("dispatch", help="The talent pool: technicians who make home visits.")


@group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_technicians(path: Path) -> None:
    """Import technicians from a CSV file: all rows, or none and a report of every error."""
    try:
        text = decode(path.read_bytes())
    except UnicodeDecodeError:
        click.echo(f"{path}: not UTF-8 or GB18030 text; save it as CSV UTF-8", err=True)
        raise SystemExit(1) from None
    session = db_session()
    report = dispatch.import_technicians(session, io.StringIO(text, newline=""))
    if not report.ok:
        session.rollback()
        for error in report.errors:
            click.echo(f"{path}: {error}", err=True)
        click.echo(f"{len(report.errors)} errors: nothing imported", err=True)
        raise SystemExit(1)
    session.commit()
    click.echo(f"imported {report.created} new and {report.updated} updated technicians")


@group.command("list")
def list_technicians() -> None:
    """Print every technician with their open load, skills and communities."""
    for entry in dispatch.roster(db_session()):
        t = entry.technician
        skills = ",".join(c.code for c in t.skills) or "-"
        places = ",".join(c.code for c in t.communities) or "-"
        state = "" if t.active else "  (inactive)"
        click.echo(f"{t.name:<12} {t.mobile:<16} load {entry.load:>3}  {skills}  {places}{state}")
