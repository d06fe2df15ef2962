"""Command-line entry points (`flask --app app GROUP ...`): callers, like views."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every command group."""
    from hotline.commands import db, hotline, ivr, rota, transcripts, users

    for group in (db.group, hotline.group, ivr.group, rota.group, transcripts.group, users.group):
        app.cli.add_command(group)
