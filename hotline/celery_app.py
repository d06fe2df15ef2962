"""Celery bound to the Flask app: tasks run inside an app context, configured from Settings."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from celery.signals import setup_logging
from flask import Flask

from hotline.schedule import BEAT_SCHEDULE
from hotline.settings import Settings


def celery_init_app(app: Flask, settings: Settings) -> Celery:
    """Create the Celery app for `app` (Flask's pattern) and store it in app.extensions."""

    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    # Every task module, so a worker knows all tasks whatever the web side happened to import.
    celery_app = Celery(
        app.name,
        task_cls=FlaskTask,
        include=[
            "hotline.tasks.calls",
            "hotline.tasks.dispatch",
            "hotline.tasks.ops",
            "hotline.tasks.rota",
            "hotline.tasks.retention",
            "hotline.tasks.transcription",
            "hotline.tasks.tickets",
            "hotline.tasks.triage",
        ],
    )
    celery_app.conf.update(
        broker_url=settings.broker_url,
        task_ignore_result=True,
        task_acks_late=True,
        # A task whose worker died is redelivered instead of dropped.
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Queues: "default" for calls and rota, "transcription" for the CPU-heavy decoding;
        # the worker command names both. Celery declares them on first use.
        task_default_queue="default",
        task_routes={"hotline.tasks.transcription.*": {"queue": "transcription"}},
        beat_schedule=BEAT_SCHEDULE,
        timezone="UTC",
        broker_connection_retry_on_startup=True,
        # The webhook must answer fast even when the broker is down: fail quickly,
        # the beat sweep enqueues whatever was left behind.
        broker_transport_options={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
    )
    # create_app configured logging (hotline.logs: text or JSON lines with the call's context);
    # a receiver of setup_logging tells the worker and beat to keep it rather than install theirs.
    setup_logging.connect(_keep_app_logging, weak=False, dispatch_uid="hotline.logs")
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def _keep_app_logging(**_: Any) -> None:
    """Celery's logging setup, replaced by the app's (see celery_init_app)."""
