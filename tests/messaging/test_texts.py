"""The message catalog: the shipped file holds every text in both languages, and an operator's
broken edit is reported, never half-used."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from flask import Flask

from hotline.messaging.texts import CATALOG, KEYS, TextsError, check_texts, load_texts


def test_shipped_catalog_is_complete_in_both_languages() -> None:
    assert check_texts(CATALOG) == []
    texts = load_texts(CATALOG)
    assert set(texts.texts) == set(KEYS)
    assert all(set(versions) == {"zh", "en"} for versions in texts.texts.values())


def test_render_uses_the_language_asked_for_and_falls_back_to_the_default() -> None:
    texts = load_texts(CATALOG)
    at = datetime(2026, 12, 1, 8, 5)
    assert texts.render("sms.unstaffed_call", called_at=at).startswith("【关爱热线】12-01 08:05 ")
    assert texts.render("sms.gap_until", "en", ends_at=at) == " until 12-01 08:05"
    assert texts.render("rota.layer.primary", "fr") == "主班"


def edited(tmp_path: Path, change: object) -> Path:
    """A copy of the shipped catalog with `change(data)` applied."""
    data = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path = tmp_path / "texts.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["texts"].pop("sms.handoff"), "sms.handoff: missing"),
        (lambda d: d["texts"].update({"sms.typo": {"zh": "x", "en": "x"}}), "sms.typo: not a text"),
        (lambda d: d["texts"]["sms.handoff"].pop("en"), "sms.handoff: no en text"),
        (
            lambda d: d["texts"]["sms.handoff"].update(zh="{name}交班"),
            "sms.handoff (zh): placeholders ['name'] differ from the code's",
        ),
        (
            lambda d: d["texts"]["rota.layer.nth_backup"].update(en="backup {n:%Y}"),
            "rota.layer.nth_backup (en): does not render",
        ),
        (
            lambda d: d["texts"]["ical.calendar_name"].update(zh="{name.__class__}"),
            "placeholders must be plain names",
        ),
        (lambda d: d["texts"]["sms.list_more"].update(zh="等{"), "not a valid template"),
        (lambda d: d.update(default_language="fr"), "default_language 'fr' is not one of"),
    ],
)
def test_broken_edits_are_reported(tmp_path: Path, change: object, problem: str) -> None:
    path = edited(tmp_path, change)

    problems = check_texts(path)

    assert any(problem in p for p in problems), problems
    with pytest.raises(TextsError, match="texts.yaml: "):
        load_texts(path)


def test_an_edited_catalog_is_read_again(tmp_path: Path) -> None:
    path = edited(tmp_path, lambda d: None)
    assert load_texts(path).render("rota.layer.backup") == "备班"

    path = edited(tmp_path, lambda d: d["texts"]["rota.layer.backup"].update(zh="后备班"))
    os.utime(path, ns=(1, 1))  # a new mtime even within the file system's clock resolution

    assert load_texts(path).render("rota.layer.backup") == "后备班"


def test_check_command_says_ok_or_lists_problems(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    good = runner.invoke(args=["texts", "check"])
    broken = edited(tmp_path, lambda d: d["texts"]["sms.handoff"].pop("zh"))
    bad = runner.invoke(args=["texts", "check", str(broken)])

    assert (good.exit_code, good.output) == (0, "ok\n")
    assert bad.exit_code == 1
    assert bad.output == f"{broken}: sms.handoff: no zh text\n"
