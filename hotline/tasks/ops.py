"""Heartbeats of the line's processes (the `heartbeat` table, read by /readyz), and beat run as
a single instance under a lease.

Workers: every process that runs tasks (each prefork child, or the solo pool's one process)
starts a daemon thread at `worker_process_init` that records its heartbeat every
HOTLINE_HEARTBEAT_INTERVAL seconds. Not a periodic task: a task runs on whichever worker takes
it, so it would say nothing of the others, and a busy transcription queue would delay it. Not
the worker's main process: under prefork it runs no task and never holds the speech model. A
worker consuming the `transcription` queue loads the model in that thread at start, so its first
voicemail does not wait for it and the heartbeat says truly whether this worker can transcribe.

Beat: `LeasedScheduler` (`celery -A worker beat -S hotline.tasks.ops:LeasedScheduler`) sends
jobs only while it holds the `beat` lease (a sweep_lock row renewed every tick, lapsing 60 s
after its holder stopped), so a second beat started by mistake, or as a standby on another
machine, sends nothing until the first one is gone. Each job it sends records beat's heartbeat.

Metrics: every job's duration and failures (hotline_job_seconds, hotline_job_failures_total)
are counted from Celery's task signals; the worker's main process serves them on
HOTLINE_WORKER_METRICS_LISTEN (summed over its pool with PROMETHEUS_MULTIPROC_DIR set).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from celery import shared_task
from celery.beat import PersistentScheduler, ScheduleEntry
from celery.signals import (
    celeryd_after_setup,
    task_failure,
    task_postrun,
    task_prerun,
    task_retry,
    worker_process_init,
)

from hotline import locks, metrics
from hotline.db import holds_write_lock
from hotline.extensions import database, now, settings
from hotline.ops import health
from hotline.tasks.transcription import job_tools

logger = logging.getLogger(__name__)

BEAT_LEASE = "beat"
BEAT_LEASE_TTL = timedelta(seconds=60)
# A holding beat ticks (and renews) at least this often; a standby asks this often.
BEAT_TICK_S = 15.0
TRANSCRIPTION_QUEUE = "transcription"

# Set in the worker's main process before its pool starts; prefork children inherit it.
_worker = {"hostname": socket.gethostname(), "transcribes": False}


# Start times of the jobs running in this process, by task id.
_running: dict[str, float] = {}


@celeryd_after_setup.connect
def _remember_worker(sender: str, instance: Any, **_: Any) -> None:
    _worker["hostname"] = sender
    _worker["transcribes"] = TRANSCRIPTION_QUEUE in instance.app.amqp.queues.consume_from
    listen, token = exporter_settings()
    if listen:
        _serve_metrics(listen, token)


def _serve_metrics(listen: str, token: str) -> WSGIServer:
    """Serve /metrics (this worker's pool, for the bearer of `token`) from a daemon thread."""
    host, _, port = listen.rpartition(":")

    def exporter(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        if not metrics.authorized(environ.get("HTTP_AUTHORIZATION"), token):
            start_response("401 Unauthorized", [("WWW-Authenticate", "Bearer")])
            return [b"bearer token required\n"]
        start_response("200 OK", [("Content-Type", metrics.CONTENT_TYPE)])
        return [metrics.exposition()]

    server = make_server(host.strip("[]"), int(port), exporter, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    logger.info("worker metrics on http://%s/metrics", listen)
    return server


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the base's name)
        """Scrapes are not logged."""


@shared_task(name="hotline.tasks.ops.exporter_settings")
def exporter_settings() -> tuple[str, str]:
    """Where the worker's metrics are served and the token they ask for (read in the app)."""
    config = settings()
    return config.worker_metrics_listen, config.metrics_token


@task_prerun.connect
def _job_started(task_id: str, **_: Any) -> None:
    _running[task_id] = time.perf_counter()


@task_postrun.connect
def _job_ended(task_id: str, task: Any, **_: Any) -> None:
    started = _running.pop(task_id, None)
    if started is not None:
        metrics.JOB_SECONDS.labels(task.name).observe(time.perf_counter() - started)


@task_failure.connect
def _job_failed(sender: Any, exception: BaseException, **_: Any) -> None:
    metrics.JOB_FAILURES.labels(sender.name, type(exception).__name__).inc()


@task_retry.connect
def _job_retried(sender: Any, reason: object, **_: Any) -> None:
    cause = type(reason).__name__ if isinstance(reason, BaseException) else "retry"
    metrics.JOB_FAILURES.labels(sender.name, f"retry:{cause}").inc()


@worker_process_init.connect
def _start_heartbeats(**_: Any) -> None:
    name = f"{_worker['hostname']}:{os.getpid()}"
    transcribes = bool(_worker["transcribes"])
    threading.Thread(
        target=_heartbeats, args=(name, transcribes), name="heartbeat", daemon=True
    ).start()


def _heartbeats(name: str, transcribes: bool) -> None:
    while True:
        try:
            interval = float(worker_heartbeat(name, transcribes))
        except Exception:
            logger.exception("heartbeat of %s not recorded", name)
            interval = BEAT_TICK_S
        time.sleep(interval)


@shared_task(name="hotline.tasks.ops.worker_heartbeat")
def worker_heartbeat(name: str, transcribes: bool) -> int:
    """Record this worker process's heartbeat, loading the speech model first on a
    transcription worker; return the seconds until the next one."""
    config = settings()
    model = job_tools(config).model() if transcribes else None
    with database().sessions() as session:
        health.record_heartbeat(
            session,
            name,
            health.WORKER,
            now(),
            model_loaded=model is not None,
            model_language=model.language if model is not None else "",
        )
        session.commit()
    return config.heartbeat_interval_s


@shared_task(name="hotline.tasks.ops.hold_beat_lease")
def hold_beat_lease(holder: str) -> bool:
    """Take or renew the `beat` lease for `holder`; False while another beat holds it."""
    with database().sessions() as session:
        held = locks.acquire_lock(session, BEAT_LEASE, holder, now(), BEAT_LEASE_TTL)
        session.commit()
    return held


@shared_task(name="hotline.tasks.ops.release_beat_lease")
def release_beat_lease(holder: str) -> None:
    """Give the `beat` lease back (a stopping beat), so a standby takes over at once."""
    with database().sessions() as session:
        locks.release_lock(session, BEAT_LEASE, holder, now())
        session.commit()


@shared_task(name="hotline.tasks.ops.beat_heartbeat")
def beat_heartbeat(name: str) -> None:
    """Record that beat sent a job just now."""
    with database().sessions() as session:
        health.record_heartbeat(session, name, health.BEAT, now())
        session.commit()


class LeasedScheduler(PersistentScheduler):  # type: ignore[misc]
    """Celery beat's scheduler, sending jobs only while this process holds the `beat` lease."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.holder = f"beat@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        """Renew the lease, then send what is due; a standby only waits."""
        try:
            held = bool(hold_beat_lease(self.holder))
        except Exception:
            logger.exception("beat lease not renewed; sending nothing this tick")
            held = False
        if not held:
            return BEAT_TICK_S
        return min(float(super().tick(*args, **kwargs)), BEAT_TICK_S)

    def apply_async(self, entry: ScheduleEntry, *args: Any, **kwargs: Any) -> Any:
        """Send one job and record beat's heartbeat."""
        result = super().apply_async(entry, *args, **kwargs)
        try:
            beat_heartbeat(self.holder)
        except Exception:
            logger.exception("beat heartbeat not recorded")
        return result

    def close(self) -> None:
        """Stop: persist the schedule and hand the lease over, unless a signal stopped this
        thread in the middle of a write of its own (renewing the lease, say): on SQLite the
        hand-over would wait on that write's lock for ever, so the lease lapses by itself."""
        super().close()
        if holds_write_lock():
            logger.warning("beat stopped mid-write: its lease lapses in %s", BEAT_LEASE_TTL)
            return
        try:
            release_beat_lease(self.holder)
        except Exception:
            logger.exception("beat lease not released; it lapses by itself")
