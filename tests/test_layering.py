"""Domain modules import no web, queue or carrier SDK (callers → domain → adapters)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = [
    *(ROOT / "hotline").glob("*.py"),
    *(ROOT / "hotline" / "ivr").glob("*.py"),
    *(ROOT / "hotline" / "models").glob("*.py"),
    *(ROOT / "transcripts").glob("*.py"),
]
# Callers and adapters: these may import flask, celery or twilio.
NOT_DOMAIN = {
    "__init__.py",
    "extensions.py",
    "celery_app.py",
    "telephony.py",
    "simulator.py",
}
FORBIDDEN = ("flask", "flask_login", "flask_wtf", "flask_babel", "celery", "twilio")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path",
    [p for p in DOMAIN if not (p.parent.name == "hotline" and p.name in NOT_DOMAIN)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_domain_module_imports_no_framework(path: Path) -> None:
    bad = {m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN}
    assert bad == set()


def test_only_one_module_renders_twiml() -> None:
    users = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "hotline").rglob("*.py")
        if any(m.startswith("twilio.twiml") for m in imported_modules(p))
    ]
    assert users == ["hotline/web/voice/twiml.py"]


def test_domain_never_imports_tasks() -> None:
    offenders = [
        p.name
        for p in DOMAIN
        if any(m.startswith("hotline.tasks") for m in imported_modules(p))
        and p.name not in NOT_DOMAIN
    ]
    assert offenders == []
