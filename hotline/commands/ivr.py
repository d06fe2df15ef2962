"""`flask ivr`: checks of the IVR flow files."""

from __future__ import annotations

from pathlib import Path

import click

from hotline.commands import echo_problems
from hotline.extensions import settings
from hotline.ivr.validate import check_file

group = click.Group("ivr", help="IVR flows.")


@group.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(files: tuple[Path, ...]) -> None:
    """Check flow FILES (default: the configured flow); one line per problem, exit 1 if any."""
    echo_problems(files or (settings().ivr_flow_path,), check_file)
