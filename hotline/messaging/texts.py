"""Texts the line writes for people (SMS, ticket summaries, calendar entries, labels), kept in
an editable catalog: hotline/messaging/texts.yaml, Chinese first, English second.

Domain code renders a text by key (`text("sms.handoff", name=...)`); the catalog is read again
whenever the file changes. Every key the code uses is declared in KEYS with its placeholders,
and `check_texts` (the `flask texts check` command, and a test) holds the file to that contract,
so an operator's edit cannot drop a placeholder or a language unnoticed.
"""

from __future__ import annotations

import string
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

CATALOG = Path(__file__).with_name("texts.yaml")

# Every text the code renders, with the placeholders it passes.
KEYS: Mapping[str, frozenset[str]] = {
    "sms.shift_reminder": frozenset({"name", "layer", "starts_at", "until"}),
    "sms.shift_until": frozenset({"ends_at"}),
    "sms.handoff": frozenset({"name", "layer", "until", "handover"}),
    "sms.handover_none": frozenset(),
    "sms.handover_some": frozenset({"count", "numbers", "more"}),
    "sms.list_separator": frozenset(),
    "sms.list_more": frozenset(),
    "sms.coverage_gap": frozenset({"starts_at", "until"}),
    "sms.gap_open_ended": frozenset(),
    "sms.gap_until": frozenset({"ends_at"}),
    "sms.unstaffed_call": frozenset({"called_at"}),
    # The clock's alerts to supervisors (hotline.tickets.clock).
    "sms.sla_warning": frozenset({"number", "category", "community", "due_at"}),
    "sms.sla_breach": frozenset({"number", "category", "community", "due_at"}),
    # Voicemail triage (hotline.triage): the suggestion's reason, the urgent alerts.
    "ticket.triage_reason": frozenset({"reason", "phrase"}),
    "ticket.triage_escalated": frozenset({"who", "called", "count"}),
    "triage.called": frozenset(),
    "triage.nobody_on_duty": frozenset(),
    "sms.triage_volunteer": frozenset({"ref", "reason", "summary"}),
    "sms.triage_supervisors": frozenset({"ref", "reason", "volunteer"}),
    "voice.triage_alert": frozenset({"ref", "reason"}),
    "voice.triage_alert_unknown": frozenset(),
    "rota.layer.primary": frozenset(),
    "rota.layer.backup": frozenset(),
    "rota.layer.nth_backup": frozenset({"n"}),
    "rota.swap_override_reason": frozenset({"swap_id"}),
    "ical.calendar_name": frozenset({"name"}),
    "ical.shift_summary": frozenset({"layer"}),
    "ical.shift_description": frozenset(),
    "call.apology_without_flow": frozenset(),
    "call.spoken_digits": frozenset(),
    "call.digit_group_separator": frozenset(),
    "call.slow_digit_separator": frozenset(),
    "ivr.ticket_status.open": frozenset(),
    "ivr.ticket_status.assigned": frozenset(),
    "ivr.ticket_status.in_progress": frozenset(),
    "ivr.ticket_status.resolved": frozenset(),
    "ivr.ticket_status.closed": frozenset(),
    "sms.caller_ticket": frozenset({"ref"}),
    # The public page (hotline.online): the one-time code, and a web report's reference.
    "sms.online_code": frozenset({"code", "minutes"}),
    "sms.web_ticket": frozenset({"ref"}),
    "callback.agent_prompt": frozenset({"ref"}),
    "callback.apology": frozenset(),
    "survey.call_question": frozenset({"ref"}),
    "survey.call_invalid": frozenset(),
    "survey.call_thanks": frozenset(),
    "survey.call_no_answer": frozenset(),
    "screening.category_unknown": frozenset(),
    "screening.community_unknown": frozenset(),
    "ticket.summary.answered": frozenset(),
    "ticket.summary.voicemail": frozenset(),
    "ticket.summary.voicemail_empty": frozenset(),
    "ticket.summary.abandoned": frozenset(),
    "ticket.summary.failed": frozenset(),
    "ticket.summary.transcript_empty": frozenset(),
    # Dispatch and the survey (hotline.dispatch): technicians' SMS and the replies to SMS.
    "sms.dispatch_assigned": frozenset({"ref", "category", "community", "address", "note"}),
    "sms.dispatch_photos": frozenset({"url"}),
    "sms.dispatch_declined": frozenset({"ref", "number", "name", "note"}),
    "sms.reply_accepted": frozenset({"ref"}),
    "sms.reply_done": frozenset({"ref"}),
    "sms.reply_declined": frozenset({"ref"}),
    "sms.reply_closed": frozenset({"ref"}),
    "sms.reply_unknown_ticket": frozenset({"ticket"}),
    "sms.reply_not_yours": frozenset({"ticket"}),
    "sms.reply_not_technician": frozenset(),
    "sms.reply_help": frozenset(),
    "sms.survey": frozenset({"ref"}),
    "sms.reply_rated": frozenset({"score"}),
    "sms.reply_rated_low": frozenset({"score"}),
    "sms.reply_score_help": frozenset(),
    "sms.reply_resident_help": frozenset(),
    "sms.reply_error": frozenset(),
}
# Sample values for the check: `*_at` placeholders are dates, these are numbers, others text.
_NUMBERS = frozenset({"count", "n", "swap_id", "score"})


class TextsError(ValueError):
    """The catalog cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class Texts:
    """A loaded catalog: key -> language -> format string."""

    default_language: str
    texts: Mapping[str, Mapping[str, str]]

    def render(self, key: str, /, language: str | None = None, **params: Any) -> str:
        """The text `key` in `language` (the catalog's default if None or missing)."""
        versions = self.texts[key]
        template = versions.get(language or self.default_language)
        if template is None:
            template = versions[self.default_language]
        return template.format(**params)


def text(key: str, /, language: str | None = None, **params: Any) -> str:
    """Render `key` from the shipped catalog (re-read when the file changes)."""
    return load_texts(CATALOG).render(key, language, **params)


_cache: dict[Path, tuple[tuple[int, int], Texts]] = {}
_cache_lock = threading.Lock()


def load_texts(path: Path) -> Texts:
    """The catalog at `path`, checked; cached until the file changes. TextsError if unusable."""
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        texts, problems = _parse(path)
        if problems or texts is None:
            raise TextsError(f"{path}: " + "; ".join(problems))
        _cache[path] = (stamp, texts)
        return texts


def check_texts(path: Path) -> list[str]:
    """Every problem of the catalog at `path` (empty when it is usable)."""
    return _parse(path)[1]


def _parse(path: Path) -> tuple[Texts | None, list[str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return None, [f"cannot read: {exc}"]
    if not isinstance(data, dict) or not isinstance(data.get("texts"), dict):
        return None, ["expected a mapping with `texts:`"]
    languages = data.get("languages")
    default = data.get("default_language")
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        return None, ["`languages:` must list language codes"]
    if not isinstance(default, str) or default not in languages:
        return None, [f"default_language {default!r} is not one of {languages}"]
    problems: list[str] = []
    texts: dict[str, dict[str, str]] = {}
    for key, versions in data["texts"].items():
        if key not in KEYS:
            problems.append(f"{key}: not a text the line uses")
            continue
        if not isinstance(versions, dict):
            problems.append(f"{key}: expected one text per language")
            continue
        texts[key] = {}
        for language in languages:
            template = versions.get(language)
            if not isinstance(template, str):
                problems.append(f"{key}: no {language} text")
                continue
            problems.extend(f"{key} ({language}): {p}" for p in _template_problems(key, template))
            texts[key][language] = template
    problems.extend(f"{key}: missing" for key in KEYS if key not in data["texts"])
    return Texts(default, texts), problems


def _template_problems(key: str, template: str) -> list[str]:
    """Placeholders other than the code's, and formats that fail on sample values."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        return [f"not a valid template ({exc})"]
    problems = []
    if not all(name.isidentifier() for name in fields):
        problems.append("placeholders must be plain names like {name}")
    elif fields != KEYS[key]:
        expected = ", ".join(sorted(KEYS[key])) or "none"
        problems.append(f"placeholders {sorted(fields)} differ from the code's ({expected})")
    else:
        try:
            template.format(**{name: _sample(name) for name in fields})
        except (ValueError, TypeError, KeyError) as exc:
            problems.append(f"does not render ({exc})")
    return problems


def _sample(name: str) -> object:
    if name.endswith("_at"):
        return datetime(2026, 12, 1, 8, 0)
    return 1 if name in _NUMBERS else "x"
