"""Voicemail triage (pure domain): rules from rules.yaml match a transcript's phrases, suggest
the ticket's priority and category, and an escalating match alerts people exactly once.

`classify` finds the strongest match, `apply` puts it on the recording and its ticket (the
transcription job and a supervisor's correction call it), `escalation` claims and sends the
alert, `evaluate` measures the rules on labelled sentences.
"""

from hotline.triage.rules import (
    RULES_PATH,
    Match,
    Rule,
    Rules,
    RulesError,
    check_file,
    classify,
    load_rules,
    normalise,
)
from hotline.triage.suggest import Triage, apply, known_categories, rules_for

__all__ = [
    "RULES_PATH",
    "Match",
    "Rule",
    "Rules",
    "RulesError",
    "Triage",
    "apply",
    "known_categories",
    "check_file",
    "classify",
    "load_rules",
    "normalise",
    "rules_for",
]
