"""Command-line entry points (`flask --app app GROUP ...`): callers, like views."""

from __future__ import annotations

import importlib

import click
from flask import Flask


class LazyGroup(click.Group):
    """A command group whose module is imported on first use: web processes never load what
    only a command needs (the transcripts group brings Vosk and NumPy)."""

    def __init__(self, name: str, module: str, help: str) -> None:
        super().__init__(name, help=help)
        self._module = module

    def _group(self) -> click.Group:
        group: click.Group = importlib.import_module(self._module).group
        return group

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The real group's commands."""
        return self._group().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """One of the real group's commands."""
        return self._group().get_command(ctx, cmd_name)


def init_app(app: Flask) -> None:
    """Register every command group."""
    from hotline.commands import db, hotline, ivr, rota, users

    for group in (db.group, hotline.group, ivr.group, rota.group, users.group):
        app.cli.add_command(group)
    app.cli.add_command(
        LazyGroup(
            "transcripts",
            "hotline.commands.transcripts",
            help="Offline voicemail transcription (Vosk).",
        )
    )
