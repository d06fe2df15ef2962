"""Search in Chinese over transcripts, ticket summaries and notes (`query`), the trigram
indexes behind it (`schema`) and the snippets of its results (`snippet`)."""

from hotline.search.query import (
    MAX_COUNTED,
    MAX_QUERY_CHARS,
    SHORT_WINDOW_DAYS,
    Hit,
    HitKind,
    Results,
    SearchFilter,
    search,
    terms_of,
)
from hotline.search.snippet import Piece, snippet

__all__ = [
    "MAX_COUNTED",
    "MAX_QUERY_CHARS",
    "SHORT_WINDOW_DAYS",
    "Hit",
    "HitKind",
    "Piece",
    "Results",
    "SearchFilter",
    "search",
    "snippet",
    "terms_of",
]
