"""The processes' Prometheus metrics (webhooks, jobs, SMS) and their exposition, shared by the
web nodes' `/metrics` and the workers' exporter.

Under gunicorn or a prefork Celery worker, set PROMETHEUS_MULTIPROC_DIR (an empty directory
per node, emptied at start): every process then writes its counters there and any process
serves the sum (prometheus_client's multiprocess mode; gunicorn's `child_exit` hook in
deploy/gunicorn.conf.py marks dead processes). Without it, each process serves its own.
The line's state (tickets, calls, backlog, heartbeats) is not kept here: it is read from the
database at scrape time (hotline.ops.gauges), so it is right whichever node answers.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from typing import Any, cast

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from hotline.telephony import Telephony

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

WEBHOOK_SECONDS = Histogram(
    "hotline_webhook_seconds",
    "Time to answer a carrier webhook, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
WEBHOOK_RESPONSES = Counter(
    "hotline_webhook_responses",
    "Carrier webhook responses, by route and HTTP status.",
    ["route", "status"],
)
JOB_SECONDS = Histogram(
    "hotline_job_seconds",
    "Time a Celery job ran, by task.",
    ["task"],
    buckets=(0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0),
)
JOB_FAILURES = Counter(
    "hotline_job_failures",
    "Celery jobs that raised (reason: the exception's class) or were retried (retry:<class>).",
    ["task", "reason"],
)
SMS = Counter("hotline_sms", "SMS handed to the carrier, by result (sent, failed).", ["result"])


class _MeteredSms:
    """The carrier adapter, counting the SMS it sends and fails to send."""

    def __init__(self, inner: Telephony) -> None:
        self._inner = inner

    def send_sms(self, to: str, body: str) -> str:
        try:
            sid = self._inner.send_sms(to, body)
        except Exception:
            SMS.labels("failed").inc()
            raise
        SMS.labels("sent").inc()
        return sid

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def metered(telephony: Telephony) -> Telephony:
    """`telephony` with its SMS counted in hotline_sms_total."""
    return cast(Telephony, _MeteredSms(telephony))


class _Families:
    """A collector of metric families computed elsewhere (at scrape time)."""

    def __init__(self, collect: Callable[[], Iterable[Metric]]) -> None:
        self._collect = collect

    def collect(self) -> Iterable[Metric]:
        return self._collect()


def exposition(scraped: Callable[[], Iterable[Metric]] | None = None) -> bytes:
    """The text exposition: every process's metrics (summed in multiprocess mode, else this
    process's own), then the families `scraped` computes now."""
    registry = CollectorRegistry()
    try:
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    except ValueError:  # PROMETHEUS_MULTIPROC_DIR unset: one process serves its own
        registry.register(cast(Collector, _Families(REGISTRY.collect)))
    if scraped is not None:
        registry.register(cast(Collector, _Families(scraped)))
    return generate_latest(registry)


def authorized(header: str | None, token: str) -> bool:
    """Whether an Authorization header carries the bearer `token` (never with an empty one)."""
    scheme, _, given = (header or "").partition(" ")
    return (
        bool(token)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.encode(), token.encode())
    )
