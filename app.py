"""WSGI entry point: `gunicorn app:app`, `flask --app app ...`."""

import gc

from hotline import create_app
from hotline.settings import startup_settings

app = create_app(startup_settings())
# Everything loaded so far lives as long as the process: keep the garbage collector from
# scanning it again and again (its full passes were the slowest requests' extra 10-15 ms).
gc.freeze()
