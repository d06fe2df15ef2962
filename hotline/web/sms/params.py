"""The messaging webhook's form, bounded at the edge like the voice webhooks' (voice/params.py).

Only the fields the line reads are kept: the message's SID, the sender and the text. A SID or
number longer than any real one is dropped (the request is then refused); a text longer than
an SMS can be (10 segments) is cut to that length.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

logger = logging.getLogger(__name__)

SID_CHARS = 64
NUMBER_CHARS = 32
BODY_CHARS = 1600


def bounded(form: Mapping[str, str]) -> dict[str, str]:
    """MessageSid (or the older SmsSid), From and Body, each within its bounds."""
    kept: dict[str, str] = {}
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    if sid and len(sid) <= SID_CHARS:
        kept["MessageSid"] = sid
    sender = form.get("From", "")
    if sender and len(sender) <= NUMBER_CHARS:
        kept["From"] = sender
    body = form.get("Body", "")
    if len(body) > BODY_CHARS:
        logger.warning("sms body cut from %d characters", len(body))
    kept["Body"] = body[:BODY_CHARS]
    return kept
