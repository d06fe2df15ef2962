"""Residents online: a verified number's helpers, shared by the domain and page tests."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from PIL import Image

from hotline.telephony import FakeTelephony

NUMBER = "+8613800138000"
SECRET = "test-secret"
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def texted_code(telephony: FakeTelephony, number: str = NUMBER) -> str:
    """The 6 digits of the last code texted to `number`."""
    bodies = [body for to, body in telephony.sms if to == number]
    assert bodies, f"no SMS to {number}"
    found = re.search(r"\d{6}", bodies[-1])
    assert found, bodies[-1]
    return found.group()


def jpeg(width: int = 64, height: int = 48) -> bytes:
    """A small JPEG made with Pillow."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(out, "JPEG")
    return out.getvalue()
