"""`flask triage`: check the triage rules, measure them on labelled sentences."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from hotline.commands import echo_problems
from hotline.extensions import database
from hotline.triage import RULES_PATH, RulesError, check_file, known_categories, load_rules
from hotline.triage.evaluate import (
    LABELLED_PATH,
    LabelledError,
    Report,
    Score,
    evaluate,
    read_labelled,
)

group = AppGroup("triage", help="Voicemail triage rules.")


def _categories() -> set[str]:
    """Category codes a rule may name: the category table's."""
    with database().sessions() as session:
        return known_categories(session)


@group.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(files: tuple[Path, ...]) -> None:
    """Check rule FILES (default: the shipped rules.yaml); one line per problem, exit 1 if any."""
    known = _categories()
    echo_problems(files or (RULES_PATH,), lambda path: check_file(path, known))


@group.command("eval")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=RULES_PATH,
    show_default="the shipped rules.yaml",
    help="The rules to measure.",
)
def eval_(file: Path | None, rules_path: Path) -> None:
    """Precision and recall of the rules on FILE (label<TAB>sentence; default: the shipped
    labelled.tsv), per rule and overall, then every misclassified sentence."""
    try:
        rules = load_rules(rules_path)
        report = evaluate(read_labelled(file or LABELLED_PATH, rules), rules)
    except (RulesError, LabelledError) as exc:
        raise click.ClickException(str(exc)) from exc
    _print(report)


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value * 100:5.1f}%"


def _line(score: Score) -> str:
    return (
        f"{score.name:<12} {score.tp:>4} {score.fp:>4} {score.fn:>4}"
        f"  {_pct(score.precision)}  {_pct(score.recall)}"
    )


def _print(report: Report) -> None:
    urgent = sum(1 for e in report.examples if e.label != "none")
    click.echo(f"{len(report.examples)} sentences, {urgent} labelled with a rule")
    click.echo(f"{'':<12} {'tp':>4} {'fp':>4} {'fn':>4}  {'prec':>6}  {'recall':>6}")
    for score in report.per_rule:
        click.echo(_line(score))
    click.echo("overall")
    for score in (report.exact, report.urgent, report.escalate):
        click.echo(_line(score))
    click.echo(f"misclassified: {len(report.misclassified)}")
    for example in report.misclassified:
        click.echo(f"  line {example.line}: {example.label} -> {example.predicted}  {example.text}")
