"""Gunicorn's configuration for the benches' static-TwiML ceiling: none.

Gunicorn started from the project root reads its gunicorn.conf.py, which checks the hotline's
settings; the ceiling is not the hotline, so the benches name this file instead.
"""
