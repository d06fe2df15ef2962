"""Triage rules: phrases of a voicemail -> priority, category, escalation; read from rules.yaml.

A rule matches when one of its phrases occurs in the transcript outside every occurrence of
its exceptions (燃气 matches, 燃气费 does not). Texts and phrases are compared normalised:
NFKC (full-width letters and digits become half-width), lower case, no whitespace at all (some
Vosk models put a space between every Chinese character).
"""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

RULES_PATH = Path(__file__).with_name("rules.yaml")
SCHEMA_PATH = Path(__file__).with_name("schema.json")
PRIORITIES = ("urgent", "normal")
# A transcript longer than this is classified on its start (10 minutes of speech is ~3,000).
MAX_TEXT_CHARS = 20_000


class RulesError(ValueError):
    """The rules cannot be used; `problems` lists every one, one line each."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Rule:
    """One rule: any of `phrases` (normalised), unless inside one of `exceptions`."""

    name: str
    reason: str
    priority: str
    category: str | None
    escalate: bool
    phrases: tuple[str, ...]
    exceptions: tuple[str, ...] = ()

    @property
    def urgent(self) -> bool:
        """Whether a match makes the ticket urgent."""
        return self.priority == "urgent"


@dataclass(frozen=True)
class Rules:
    """The loaded rules, in file order (earlier wins a tie)."""

    rules: tuple[Rule, ...]

    def named(self, name: str) -> Rule | None:
        """The rule called `name`, if any."""
        return next((rule for rule in self.rules if rule.name == name), None)


@dataclass(frozen=True)
class Match:
    """The strongest rule found in a text, and the phrase that made it match (the reason)."""

    rule: Rule
    phrase: str
    position: int  # in the normalised text

    @property
    def priority(self) -> str:
        """The rule's priority."""
        return self.rule.priority

    @property
    def category(self) -> str | None:
        """The rule's category code."""
        return self.rule.category

    @property
    def escalate(self) -> bool:
        """Whether the match alerts the on-duty volunteer and supervisors."""
        return self.rule.escalate


def normalise(text: str) -> str:
    """The form texts and phrases are compared in: NFKC, lower case, no whitespace or format
    characters (zero-width spaces)."""
    folded = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS]).lower()
    return "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch) != "Cf")


def classify(text: str, rules: Rules) -> Match | None:
    """The strongest match in `text`: urgent before normal, escalating before not, then the
    earlier rule in the file, then the earliest phrase in the text; None if nothing matches."""
    folded = normalise(text)
    best: tuple[tuple[int, int, int, int], Match] | None = None
    for order, rule in enumerate(rules.rules):
        found = _first_occurrence(folded, rule)
        if found is None:
            continue
        position, phrase = found
        key = (0 if rule.urgent else 1, 0 if rule.escalate else 1, order, position)
        if best is None or key < best[0]:
            best = (key, Match(rule, phrase, position))
    return None if best is None else best[1]


def _first_occurrence(text: str, rule: Rule) -> tuple[int, str] | None:
    """The earliest (position, phrase) of the rule in `text` not covered by an exception."""
    covered = _spans(text, rule.exceptions)
    hits = []
    for phrase in rule.phrases:
        start = text.find(phrase)
        while start != -1:
            end = start + len(phrase)
            if not any(a <= start and end <= b for a, b in covered):
                hits.append((start, -len(phrase), phrase))
                break
            start = text.find(phrase, start + 1)
    if not hits:
        return None
    position, _, phrase = min(hits)
    return position, phrase


def _spans(text: str, phrases: Collection[str]) -> list[tuple[int, int]]:
    spans = []
    for phrase in phrases:
        start = text.find(phrase)
        while start != -1:
            spans.append((start, start + len(phrase)))
            start = text.find(phrase, start + 1)
    return spans


def load_rules(path: Path = RULES_PATH, categories: Collection[str] | None = None) -> Rules:
    """The rules at `path`, checked (schema, then meaning); RulesError lists every problem.
    Category codes are checked against `categories` when given. Cached per file version."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise RulesError(f"cannot read the file ({exc.strerror})") from exc
    known = None if categories is None else frozenset(categories)
    return _load_version(path, stat.st_mtime_ns, stat.st_size, known)


@functools.lru_cache(maxsize=16)
def _load_version(path: Path, mtime_ns: int, size: int, categories: frozenset[str] | None) -> Rules:
    rules, problems = parse_file(path, categories)
    if problems or rules is None:
        raise RulesError(problems)
    return rules


def check_file(path: Path, categories: Collection[str] | None = None) -> list[str]:
    """Every problem of the rules at `path`, one line each (empty when usable); never raises."""
    return parse_file(path, categories)[1]


def parse_file(path: Path, categories: Collection[str] | None) -> tuple[Rules | None, list[str]]:
    """Read, schema-check and build the rules; the problems found on the way."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"cannot read the file ({exc})"]
    except yaml.YAMLError as exc:
        return None, [f"not valid YAML: {exc}".replace("\n", " ")]
    return parse_rules(data, categories)


def parse_rules(data: object, categories: Collection[str] | None) -> tuple[Rules | None, list[str]]:
    """Build Rules from already-read data; the schema's and the semantic problems."""
    problems = schema_problems(data)
    if problems or not isinstance(data, Mapping):
        return None, problems
    rules = tuple(_rule(raw) for raw in data["rules"])
    problems = list(_semantic_problems(rules, data["rules"], categories))
    return (None if problems else Rules(rules)), problems


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def schema_problems(data: object) -> list[str]:
    """Schema violations, each as `where: what` in the file's terms."""
    if data is None:
        return ["the file is empty"]
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.path)))
    return [_describe(error, data) for error in errors]


def _where(path: Collection[Any], data: object) -> str:
    parts = list(path)
    if len(parts) >= 2 and parts[0] == "rules" and isinstance(parts[1], int):
        rule = data["rules"][parts[1]] if isinstance(data, Mapping) else None
        name = rule.get("name") if isinstance(rule, Mapping) else None
        head = f"rules[{parts[1]}]" + (f" ({name})" if isinstance(name, str) else "")
        rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts[2:])
        return head + rest
    return ".".join(map(str, parts)) or "top level"


def _describe(error: ValidationError, data: object) -> str:
    field = error.path[-1] if error.path else None
    rule = _where(list(error.path)[:-1], data)
    if field == "priority" and error.validator == "enum":
        return f"{rule}: priority {error.instance!r} must be urgent or normal"
    if field == "name" and error.validator == "pattern":
        return f"{rule}: name {error.instance!r} must be lower-case letters, digits or _"
    return f"{_where(error.path, data)}: {error.message}"


def _rule(raw: Mapping[str, Any]) -> Rule:
    return Rule(
        name=raw["name"],
        reason=raw["reason"].strip(),
        priority=raw["priority"],
        category=raw.get("category") or None,
        escalate=raw["escalate"],
        phrases=tuple(normalise(p) for p in raw["phrases"]),
        exceptions=tuple(normalise(p) for p in raw.get("except", ())),
    )


def _semantic_problems(
    rules: tuple[Rule, ...], raw: list[Mapping[str, Any]], categories: Collection[str] | None
) -> Iterator[str]:
    names: set[str] = set()
    owner: dict[str, str] = {}
    for index, (rule, given) in enumerate(zip(rules, raw, strict=True)):
        where = f"rules[{index}] ({rule.name})"
        if rule.name in names:
            yield f"{where}: the name {rule.name!r} is used by an earlier rule"
        names.add(rule.name)
        if not rule.reason:
            yield f"{where}: the reason is empty"
        if rule.category is not None and categories is not None and rule.category not in categories:
            known = ", ".join(sorted(categories)) or "none"
            yield f"{where}: unknown category code {rule.category!r} (known: {known})"
        for number, (phrase, text) in enumerate(zip(rule.phrases, given["phrases"], strict=True)):
            if not phrase:
                yield f"{where}: phrases[{number}] is empty"
            elif phrase in owner:
                other = owner[phrase]
                also = "twice in this rule" if other == rule.name else f"also in rule {other!r}"
                yield f"{where}: duplicate phrase {text!r} ({also})"
            else:
                owner[phrase] = rule.name
        for number, (exception, text) in enumerate(
            zip(rule.exceptions, given.get("except", ()), strict=True)
        ):
            if not exception:
                yield f"{where}: except[{number}] is empty"
            elif not any(phrase and phrase in exception for phrase in rule.phrases):
                yield (
                    f"{where}: except[{number}] {text!r} contains none of the rule's phrases,"
                    " so it excludes nothing"
                )
