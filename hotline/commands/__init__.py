"""Command-line entry points (`flask --app app GROUP ...`): callers, like views."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import click
from flask import Flask


def init_app(app: Flask) -> None:
    """Register every command group."""
    from hotline.commands import (
        db,
        dispatch,
        hotline,
        ivr,
        reconcile,
        rota,
        texts,
        transcripts,
        triage,
        users,
    )

    groups = (db, dispatch, hotline, ivr, rota, texts, transcripts, triage, users)
    for module in groups:
        app.cli.add_command(module.group)
    # The carrier's side of `flask hotline`, beside its simulator.
    hotline.group.add_command(reconcile.command)


def echo_problems(paths: Sequence[Path], check: Callable[[Path], list[str]]) -> None:
    """Print `check`'s problems with each file, one line each; exit 1 if any, else say ok."""
    problems = 0
    for path in paths:
        for line in check(path):
            click.echo(f"{path}: {line}")
            problems += 1
    if problems:
        raise SystemExit(1)
    click.echo("ok")
