"""Snippets: a few characters either side of the first match, every match in them marked.

Pieces are plain text with a flag; the template escapes each piece and wraps the marked ones
in <mark>, so resident text is never rendered as HTML.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

CONTEXT_CHARS = 40


@dataclass(frozen=True)
class Piece:
    """A run of a snippet's text: `hit` marks a match of a search term."""

    text: str
    hit: bool = False


def matcher(terms: Sequence[str]) -> re.Pattern[str]:
    """A case-insensitive pattern matching any term, longest first (so 3号楼 beats 3)."""
    alternatives = sorted({t for t in terms if t}, key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in alternatives) or "(?!)", re.IGNORECASE)


def snippet(body: str, terms: Sequence[str], context: int = CONTEXT_CHARS) -> list[Piece]:
    """`body` cut to `context` characters around its first match, matches marked; the start
    of the body when nothing matches (a match the database found across a line break, say)."""
    pattern = matcher(terms)
    first = pattern.search(body)
    if first is None:
        cut = body[: 2 * context]
        return [Piece(cut + ("…" if len(body) > len(cut) else ""))]
    start = max(0, first.start() - context)
    end = min(len(body), first.end() + context)
    window = body[start:end]
    pieces: list[Piece] = [Piece("…")] if start > 0 else []
    position = 0
    for match in pattern.finditer(window):
        if match.start() > position:
            pieces.append(Piece(window[position : match.start()]))
        pieces.append(Piece(match.group(), hit=True))
        position = match.end()
    if position < len(window):
        pieces.append(Piece(window[position:]))
    if end < len(body):
        pieces.append(Piece("…"))
    return pieces
