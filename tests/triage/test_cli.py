"""`flask triage check` and `flask triage eval`: the numbers on a small labelled fixture."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Category
from hotline.tickets.intake import CATEGORIES, ensure_categories
from hotline.triage import RULES_PATH, load_rules
from hotline.triage.evaluate import LABELLED_PATH, evaluate, read_labelled


def invoke(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["triage", *args])
    return result.exit_code, result.output


def test_check_passes_the_shipped_rules_and_reports_a_broken_file(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    ensure_categories(session)
    session.commit()
    assert invoke(app, "check") == (0, "ok\n")
    # The category table is the truth: a rule naming a category missing from it is reported.
    session.delete(session.scalars(select(Category).where(Category.code == "lockout")).one())
    session.commit()
    code, out = invoke(app, "check")
    assert code == 1 and "unknown category code 'lockout'" in out
    broken = tmp_path / "rules.yaml"
    broken.write_text(
        "version: 1\nrules:\n  - {name: gas, reason: 漏气, priority: high, category: nope,"
        " escalate: true, phrases: [燃气]}\n",
        encoding="utf-8",
    )
    code, out = invoke(app, "check", str(broken))
    assert code == 1
    assert out == f"{broken}: rules[0] (gas): priority 'high' must be urgent or normal\n"
    broken.write_text(
        "version: 1\nrules:\n  - {name: gas, reason: 漏气, priority: urgent, category: nope,"
        " escalate: true, phrases: [燃气, '']}\n",
        encoding="utf-8",
    )
    code, out = invoke(app, "check", str(broken))
    assert code == 1 and out.splitlines() == [
        f"{broken}: rules[0] (gas): unknown category code 'nope' (known: complaint,"
        " pipe_network, water_electric)",
        f"{broken}: rules[0] (gas): phrases[1] is empty",
    ]


FIXTURE = """\
# label<TAB>sentence
gas\t厨房燃气味很大
gas\t闻到一股臭鸡蛋味
fire\t楼道着火了
none\t燃气费怎么交
none\t楼上漏水了
power\t停电了
"""


def test_eval_prints_precision_recall_and_the_misclassified(app: Flask, tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.tsv"
    labelled.write_text(FIXTURE, encoding="utf-8")
    code, out = invoke(app, "eval", str(labelled))
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "6 sentences, 4 labelled with a rule"
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:] if line[:1] != " "}
    # gas: 1 found, 1 missed (no phrase); flooding: one false alarm (labelled none).
    assert rows["gas"] == ["1", "0", "1", "100.0%", "50.0%"]
    assert rows["fire"] == ["1", "0", "0", "100.0%", "100.0%"]
    assert rows["flooding"] == ["0", "1", "0", "0.0%", "-"]
    assert rows["power"] == ["1", "0", "0", "100.0%", "100.0%"]
    assert rows["trapped"] == ["0", "0", "0", "-", "-"]
    assert lines[lines.index("overall") + 1].split() == [
        "all",
        "rules",
        "3",
        "1",
        "1",
        "75.0%",
        "75.0%",
    ]
    # urgent: gas, gas, fire labelled; found gas, fire, and flooding (not urgent by label).
    assert rows["urgent"] == ["2", "1", "1", "66.7%", "66.7%"]
    assert rows["escalate"] == ["2", "0", "1", "100.0%", "66.7%"]
    assert lines[-3:] == [
        "misclassified: 2",
        "  line 3: gas -> none  闻到一股臭鸡蛋味",
        "  line 6: none -> flooding  楼上漏水了",
    ]


def test_eval_refuses_an_unknown_label(app: Flask, tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.tsv"
    labelled.write_text("leak\t水管坏了\n", encoding="utf-8")
    code, out = invoke(app, "eval", str(labelled))
    assert code == 1 and "labelled.tsv:1: unknown label 'leak'" in out


def test_the_shipped_labelled_set_is_big_enough_and_half_urgent() -> None:
    rules = load_rules(RULES_PATH, {row[0] for row in CATEGORIES})
    rows = read_labelled(LABELLED_PATH, rules)
    urgent = {rule.name for rule in rules.rules if rule.urgent}
    assert len(rows) >= 60
    assert sum(label in urgent for _, label, _ in rows) * 2 >= len(rows)
    report = evaluate(rows, rules)
    # The numbers the README quotes; a rule change that moves them should update both.
    assert (report.urgent.tp, report.urgent.fp, report.urgent.fn) == (29, 0, 3)
