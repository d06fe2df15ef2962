"""Logging: the call SID and ticket number a line of work belongs to (context variables bound by
the voice webhooks and the jobs), on every log line; JSON lines when HOTLINE_LOG_FORMAT=json;
phone numbers masked in what is written, whoever logged them."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from hotline.phone import mask_number

_call_sid: ContextVar[str] = ContextVar("call_sid", default="")
_call_id: ContextVar[int | None] = ContextVar("call_id", default=None)
_ticket: ContextVar[str] = ContextVar("ticket", default="")

# An international number (+ and 8-15 digits) or a mainland mobile (11 digits from 1[3-9]),
# not inside a longer word: carrier SIDs (CA + hex) and ticket numbers (2026-000123) stay.
_NUMBER = re.compile(r"(?<![\w+])(?:\+\d{8,15}|1[3-9]\d{9})(?!\w)")


def mask_numbers(text: str) -> str:
    """`text` with every phone number in it masked as hotline.phone masks one."""
    return _NUMBER.sub(lambda m: mask_number(m.group(0)), text)


@contextmanager
def bound(*, call_sid: str = "", call_id: int | None = None, ticket: str = "") -> Iterator[None]:
    """Log everything inside with this call and ticket (the previous context returns after)."""
    tokens = (_call_sid.set(call_sid), _call_id.set(call_id), _ticket.set(ticket))
    try:
        yield
    finally:
        _ticket.reset(tokens[2])
        _call_id.reset(tokens[1])
        _call_sid.reset(tokens[0])


def bound_call() -> tuple[str, int | None]:
    """The call SID and call id (if known yet) of the current context."""
    return _call_sid.get(), _call_id.get()


def learn(*, call_id: int | None = None, ticket: str = "") -> None:
    """Add what became known during the work (the call's row, the ticket it opened)."""
    if call_id is not None:
        _call_id.set(call_id)
    if ticket:
        _ticket.set(ticket)


class ContextFilter(logging.Filter):
    """Puts the current call SID and ticket on every record (empty outside a call's work)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.call_sid = _call_sid.get()
        record.ticket = _ticket.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, call_sid, ticket, exc."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_numbers(record.getMessage()),
            "call_sid": getattr(record, "call_sid", ""),
            "ticket": getattr(record, "ticket", ""),
        }
        if record.exc_info:
            line["exc"] = mask_numbers(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The plain format, with the call and ticket in brackets when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        text = mask_numbers(super().format(record))
        sid, ticket = getattr(record, "call_sid", ""), getattr(record, "ticket", "")
        return f"[{sid} {ticket}] {text}".replace(" ]", "]") if sid or ticket else text


def configure(level: str, log_format: str) -> None:
    """Send the root logger's records to stderr in `log_format` (text or json), once."""
    root = logging.getLogger()
    root.setLevel(level)
    if any(getattr(h, "hotline", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.hotline = True  # type: ignore[attr-defined]
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        JsonFormatter()
        if log_format == "json"
        else TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
