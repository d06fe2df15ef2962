"""The carrier's webhook form, bounded at the edge before any of it reaches the domain.

A signed request is authentic, not sensible: a carrier bug or a leaked token can send a
megabyte `From` or a duration no column holds. Each value longer than its field can be is
dropped (the domain treats it as absent), numbers are clamped into range, and unknown fields
are limited in number and length; everything else of the callback is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

logger = logging.getLogger(__name__)

# The longest value of each field the carrier documents that the line reads or stores.
FIELD_LENGTHS = {
    "CallSid": 64,
    "ParentCallSid": 64,
    "AccountSid": 64,
    "RecordingSid": 64,
    "From": 32,
    "To": 32,
    "Direction": 24,
    "CallStatus": 24,
    "DialCallStatus": 24,
    "RecordingStatus": 24,
    "Digits": 32,
    "RecordingUrl": 500,
}
# Whole seconds, clamped to a day: no call or recording of this line lasts longer.
SECONDS_FIELDS = frozenset({"CallDuration", "RecordingDuration", "DialCallDuration"})
MAX_SECONDS = 86_400
# Fields the line does not read are kept in the event log, within these bounds.
OTHER_FIELD_LENGTH = 256
MAX_OTHER_FIELDS = 48
MAX_NAME_LENGTH = 64


def bounded(form: Mapping[str, str]) -> dict[str, str]:
    """The form's first value of each key, every field within its bounds."""
    kept: dict[str, str] = {}
    others = 0
    for name, value in form.items():
        if name in SECONDS_FIELDS:
            seconds = _seconds(value)
            if seconds is not None:
                kept[name] = str(seconds)
            continue
        limit = FIELD_LENGTHS.get(name)
        if limit is None:
            if len(name) > MAX_NAME_LENGTH or others >= MAX_OTHER_FIELDS:
                continue
            others += 1
            limit = OTHER_FIELD_LENGTH
        if len(value) > limit:
            logger.warning("webhook field %s dropped: %d characters", name[:64], len(value))
            continue
        kept[name] = value
    return kept


def _seconds(raw: str) -> int | None:
    """A count of seconds clamped to [0, MAX_SECONDS]; None if it is not one."""
    text = raw.strip()
    digits = text.removeprefix("-")
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    return 0 if text.startswith("-") else min(int(digits[:12]), MAX_SECONDS)
