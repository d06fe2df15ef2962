"""gunicorn for a web node: `gunicorn -c deploy/gunicorn.conf.py app:app` (hotline-web.service).

/metrics sums every worker process's counters when PROMETHEUS_MULTIPROC_DIR names an empty
directory (the unit's RuntimeDirectory): each process writes its own files there, emptied here
at start, and `child_exit` marks a dead worker's files so its live gauges stop counting.
"""

import os
from pathlib import Path
from typing import Any

from prometheus_client import multiprocess

# The TLS proxy forwards here; HOTLINE_PROXY_HOPS tells the app how many proxies to trust.
bind = "127.0.0.1:8000"
# Webhooks are short and mostly wait on the database: threads per process, processes per core.
workers = 4
worker_class = "gthread"
threads = 2
# A webhook answers within milliseconds; nothing legitimate runs for 30 s.
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle processes now and then (a slow leak never grows for weeks); jitter staggers them.
max_requests = 20000
max_requests_jitter = 2000
accesslog = "-"
# No query strings in the access log: the dashboard's searches may carry names and numbers.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


def _multiproc_dir() -> Path | None:
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(path) if path else None


def on_starting(server: Any) -> None:
    """Start with an empty metrics directory: files of a previous run would add up forever."""
    directory = _multiproc_dir()
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A worker process ended: its live gauges no longer count (prometheus_client's hook)."""
    if _multiproc_dir() is not None:
        multiprocess.mark_process_dead(worker.pid)
