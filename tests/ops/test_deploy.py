"""deploy/: the alert rules name only metrics /metrics exposes; gunicorn's hooks keep the
multiprocess directory right; counters of several processes are summed."""

from __future__ import annotations

import dataclasses
import re
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from hotline import metrics
from hotline.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def exposed_names(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Every sample name /metrics can expose (families with no samples yet included)."""
    config = dataclasses.replace(app.extensions["hotline.settings"], metrics_token="t")
    monkeypatch.setitem(app.extensions, "hotline.settings", config)
    text = client.get("/metrics", headers={"Authorization": "Bearer t"}).get_data(as_text=True)
    return {
        family.name + suffix
        for family in text_string_to_metric_families(text)
        for suffix in SUFFIXES.get(family.type, ("",))
    }


def test_every_alert_names_metrics_that_exist(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = yaml.safe_load((DEPLOY / "alerts.yml").read_text(encoding="utf-8"))["groups"][0]
    names = exposed_names(app, client, monkeypatch)
    used: set[str] = set()
    for rule in rules["rules"]:
        assert rule["alert"].startswith("Hotline") and rule["labels"]["severity"] in {
            "page",
            "warning",
        }
        assert rule["annotations"]["summary"]
        used |= set(re.findall(r"\bhotline_[a-z_]+", rule["expr"]))
    assert used - names == set()
    # Every family of the line is watched by some rule.
    watched = {n.removesuffix("_bucket").removesuffix("_total") for n in used}
    assert {"hotline_webhook_seconds", "hotline_beat_last_job_age_seconds"} <= watched


def test_gunicorn_empties_the_metrics_directory_and_marks_dead_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["bind"] == "127.0.0.1:8000" and config["worker_class"] == "gthread"
    (tmp_path / "counter_111.db").write_bytes(b"stale")
    config["on_starting"](None)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "gauge_livesum_222.db").write_bytes(b"")
    (tmp_path / "counter_222.db").write_bytes(b"")
    config["child_exit"](None, SimpleNamespace(pid=222))
    assert [p.name for p in tmp_path.iterdir()] == ["counter_222.db"]  # counters keep counting


def test_counters_of_several_processes_are_summed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = "from hotline import metrics; metrics.SMS.labels('sent').inc()"
    for _ in range(2):
        subprocess.run(
            [sys.executable, "-c", code],
            check=True,
            cwd=PROJECT_ROOT,
            env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        )
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = {
        (s.name, tuple(s.labels.items())): s.value
        for family in text_string_to_metric_families(metrics.exposition().decode())
        for s in family.samples
    }
    assert samples[("hotline_sms_total", (("result", "sent"),))] == 2


def test_the_units_run_what_the_repository_ships() -> None:
    web = (DEPLOY / "systemd" / "hotline-web.service").read_text(encoding="utf-8")
    worker = (DEPLOY / "systemd" / "hotline-worker@.service").read_text(encoding="utf-8")
    beat = (DEPLOY / "systemd" / "hotline-beat.service").read_text(encoding="utf-8")
    assert "gunicorn -c deploy/gunicorn.conf.py app:app" in web
    assert "PROMETHEUS_MULTIPROC_DIR=/run/hotline-web" in web
    assert "celery -A worker worker --queues %i" in worker
    assert "-S hotline.tasks.ops:LeasedScheduler" in beat
    example = (DEPLOY / "hotline.env.example").read_text(encoding="utf-8")
    variables = set(re.findall(r"^#? ?(HOTLINE_[A-Z_]+)=", example, re.MULTILINE))
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert variables and all(f"`{v}`" in readme for v in variables)
