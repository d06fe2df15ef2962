"""Phone numbers: normalising what people type, and masking numbers in logs and pages."""

from __future__ import annotations

import re

CN_MOBILE = re.compile(r"1[3-9]\d{9}")
INTERNATIONAL = re.compile(r"\+[1-9]\d{7,14}")


def normalize_number(raw: str) -> str | None:
    """+86... from a Chinese mobile written any usual way, or an international number; else None."""
    number = re.sub(r"[\s\-()]", "", raw)
    if number.startswith("0086"):
        number = "+86" + number[4:]
    if CN_MOBILE.fullmatch(number):
        return "+86" + number
    if number.startswith("+86"):
        return number if CN_MOBILE.fullmatch(number[3:]) else None
    return number if INTERNATIONAL.fullmatch(number) else None


def mask_number(number: str) -> str:
    """Hide the middle of a phone number for logs: +8613800000001 -> +86138****0001."""
    if len(number) <= 7:
        return "*" * len(number)
    return f"{number[:6]}****{number[-4:]}"
