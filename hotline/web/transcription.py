"""The speech model's banner on every supervisor's page: how many voicemails wait for a model,
and the command that installs one."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from hotline.extensions import db_session, settings
from hotline.models import Role
from hotline.recordings import job
from hotline.recordings import queue as recording_queue
from transcripts import ModelError

STAFF = frozenset({Role.ADMIN, Role.SUPERVISOR})
# What fixes it on the machine that runs the line (README, "Transcription").
FIX_COMMAND = "make model"


def init_model_banner(app: Flask) -> None:
    """Add `awaiting_model` (a count, or None for no banner) to every page's context."""
    app.context_processor(_awaiting_model)


def _awaiting_model() -> dict[str, object]:
    """Voicemails waiting for a model while none is usable (supervisors and admins only)."""
    if not current_user.is_authenticated or current_user.role not in STAFF:
        return {"awaiting_model": None}
    waiting = recording_queue.awaiting_model_count(db_session())
    if not waiting:
        return {"awaiting_model": None}
    config = settings()
    try:
        usable = (
            job.find_model(
                config.vosk_model, config.models_dir, packages=config.vosk_model_packages
            )
            is not None
        )
    except ModelError:
        usable = False
    # With a model in place the sweep queues them within a minute: nothing for anyone to do.
    return {"awaiting_model": None if usable else waiting, "model_fix": FIX_COMMAND}
