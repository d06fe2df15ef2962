"""`flask ivr`: check the IVR flow files, and draw one as a picture."""

from __future__ import annotations

from pathlib import Path

import click

from hotline.extensions import settings
from hotline.ivr.diagram import DotMissing, write_svg
from hotline.ivr.loader import load_flow
from hotline.ivr.model import Flow, FlowError
from hotline.ivr.validate import Findings, check_file, findings

group = click.Group("ivr", help="IVR flows.")

FILES = click.argument(
    "files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)


def summary(flow: Flow, found: Findings) -> str:
    """One line: the flow's version and size, and the check's findings by kind."""

    def listed(items: tuple[str, ...]) -> str:
        return ", ".join(items) or "none"

    return (
        f"flow '{flow.id}' version {flow.version}, {len(flow.nodes)} nodes;"
        f" unreachable: {listed(found.unreachable)}; dead ends: {listed(found.dead_ends)};"
        f" prompts missing a language: {listed(found.missing_language)}"
    )


@group.command("check")
@FILES
def check(files: tuple[Path, ...]) -> None:
    """Check flow FILES (default: the configured flow): one line per problem, then each flow's
    findings (unreachable nodes, dead ends, prompts missing a language); exit 1 if any."""
    problems = 0
    for path in files or (settings().ivr_flow_path,):
        lines = check_file(path)
        for line in lines:
            click.echo(f"{path}: {line}")
        problems += len(lines)
        try:
            flow = load_flow(path)
        except FlowError:
            continue  # its problems are the lines above
        click.echo(f"{path}: {summary(flow, findings(flow))}")
    if problems:
        raise SystemExit(1)
    click.echo("ok")


@group.command("diagram")
@click.option(
    "--flow",
    "flow_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Flow file (default: the configured flow).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=Path("var/ivr-diagram.svg"),
    show_default=True,
    help="SVG file to write.",
)
def diagram(flow_path: Path | None, out: Path) -> None:
    """Draw the flow as an SVG picture (nodes, keys, categories, fallbacks) with Graphviz."""
    path = flow_path or settings().ivr_flow_path
    try:
        flow = load_flow(path)
    except FlowError as exc:
        raise click.ClickException(f"{path}: {'; '.join(exc.problems)}") from exc
    found = findings(flow)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_svg(flow, found, out)
    except DotMissing as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{out}: {summary(flow, found)}")
