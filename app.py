"""WSGI entry point: `gunicorn app:app`, `flask --app app ...`."""

from hotline import create_app

app = create_app()
