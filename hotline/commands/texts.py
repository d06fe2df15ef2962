"""`flask texts`: checks of the message catalog operators edit (SMS, summaries, labels)."""

from __future__ import annotations

from pathlib import Path

import click

from hotline.commands import echo_problems
from hotline.messaging.texts import CATALOG, check_texts

group = click.Group("texts", help="The message catalog (hotline/messaging/texts.yaml).")


@group.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(files: tuple[Path, ...]) -> None:
    """Check catalog FILES (default: the shipped one); one line per problem, exit 1 if any."""
    echo_problems(files or (CATALOG,), check_texts)
