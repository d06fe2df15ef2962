"""Celery entry point: `celery -A worker worker`, `celery -A worker beat`."""

from hotline import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
