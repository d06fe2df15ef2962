"""Gunicorn reads this file from the working directory (`gunicorn app:app`).

The hotline's settings are checked in the master before any worker boots: a configuration
error stops gunicorn with one line naming the variable, instead of workers that die and are
booted again forever.
"""

from hotline.settings import startup_settings


def on_starting(server: object) -> None:
    """Gunicorn's start-up hook: fail fast on bad settings."""
    startup_settings()
