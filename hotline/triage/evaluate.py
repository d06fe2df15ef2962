"""Measuring the rules on labelled sentences: precision and recall per rule and overall."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hotline.triage.rules import Rules, classify

LABELLED_PATH = Path(__file__).with_name("labelled.tsv")
NONE = "none"
# A labelled file larger than this is refused (the shipped one is a few kilobytes).
MAX_FILE_BYTES = 5_000_000


class LabelledError(ValueError):
    """The labelled file cannot be used; the message says where."""


@dataclass(frozen=True)
class Example:
    """One labelled sentence: the rule it should match (or none) and what the rules said."""

    line: int
    label: str
    text: str
    predicted: str


@dataclass(frozen=True)
class Score:
    """Counts of one class, and the precision and recall they give (None when undefined)."""

    name: str
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        """Of those predicted, the share that were right."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """Of those labelled, the share that were found."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass(frozen=True)
class Report:
    """Per rule, the rule found exactly, urgency (any urgent rule), escalation; the misses."""

    examples: list[Example]
    per_rule: list[Score]
    exact: Score
    urgent: Score
    escalate: Score
    misclassified: list[Example] = field(default_factory=list)


def read_labelled(path: Path, rules: Rules) -> list[tuple[int, str, str]]:
    """(line number, label, sentence) of a `label<TAB>sentence` file; # starts a comment."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise LabelledError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelledError(f"{path}: cannot read ({exc})") from exc
    known = {rule.name for rule in rules.rules} | {NONE}
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        label, tab, text = line.partition("\t")
        label = label.strip()
        if not tab or not text.strip():
            raise LabelledError(f"{path}:{number}: expected label<TAB>sentence")
        if label not in known:
            raise LabelledError(f"{path}:{number}: unknown label {label!r} (a rule name or none)")
        rows.append((number, label, text.strip()))
    return rows


def evaluate(rows: Sequence[tuple[int, str, str]], rules: Rules) -> Report:
    """Classify every sentence and score the result."""
    examples = []
    for line, label, text in rows:
        match = classify(text, rules)
        examples.append(Example(line, label, text, match.rule.name if match else NONE))
    names = [rule.name for rule in rules.rules]
    urgent = {rule.name for rule in rules.rules if rule.urgent}
    escalating = {rule.name for rule in rules.rules if rule.escalate}
    return Report(
        examples=examples,
        per_rule=[_score(name, examples, _is(name)) for name in names],
        exact=_exact(examples),
        urgent=_score("urgent", examples, lambda n: n in urgent),
        escalate=_score("escalate", examples, lambda n: n in escalating),
        misclassified=[e for e in examples if e.label != e.predicted],
    )


def _is(name: str) -> Callable[[str], bool]:
    return lambda label: label == name


def _score(name: str, examples: Sequence[Example], positive: Callable[[str], bool]) -> Score:
    """Counts for one class: `positive` says whether a label (or prediction) belongs to it."""
    tp = fp = fn = 0
    for example in examples:
        actual = positive(example.label)
        said = positive(example.predicted)
        tp += actual and said
        fp += said and not actual
        fn += actual and not said
    return Score(name, tp, fp, fn)


def _exact(examples: Sequence[Example]) -> Score:
    """Any rule: right when the predicted rule is the labelled one."""
    tp = fp = fn = 0
    for example in examples:
        right = example.predicted == example.label
        if example.predicted != NONE:
            tp += right
            fp += not right
        if example.label != NONE and not right:
            fn += 1
    return Score("all rules", tp, fp, fn)
