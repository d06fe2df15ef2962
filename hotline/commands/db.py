"""`flask db`: schema migrations."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from hotline import tickets
from hotline.extensions import database, settings

group = click.Group("db", help="Database schema.")


@group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    # Alembic announces each of its plugins at INFO when imported; the migrations stay visible.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # Imported here: Alembic is heavy, and only this command needs it.
    from hotline import migrate

    config = settings()
    if config.database_url.startswith("sqlite:///"):
        # The embedded default lives under var/; make sure the folder exists.
        Path(config.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    migrate.upgrade(config.database_url, revision)
    click.echo(f"database at {revision}")
    if revision == "head":
        with database().sessions() as session:
            if tickets.seed_categories(session):
                session.commit()
                click.echo(
                    "first run: added the categories of the IVR menu (see /admin/categories)"
                )
