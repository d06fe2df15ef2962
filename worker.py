"""Celery entry point: `celery -A worker worker`, `celery -A worker beat`."""

from hotline import create_app
from hotline.settings import startup_settings

flask_app = create_app(startup_settings())
celery_app = flask_app.extensions["celery"]
