"""Command-line entry points (`flask --app app GROUP ...`): callers, like views."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every command group."""
    from hotline.commands import db, hotline, ivr, rota, texts, transcripts, users

    groups = (db, hotline, ivr, rota, texts, transcripts, users)
    for module in groups:
        app.cli.add_command(module.group)
