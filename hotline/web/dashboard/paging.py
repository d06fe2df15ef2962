"""Page numbers from query strings: whatever is typed, a list shows a page that exists."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from hotline.review import Page

T = TypeVar("T")

# Nobody pages this far by hand; the cap keeps OFFSET well inside a 64-bit integer (a bigger
# one made SQLite raise OverflowError) and int() away from thousand-digit strings.
MAX_PAGE = 100_000


def page_number(value: str | None) -> int:
    """The page a query string asks for: 1 unless it is a whole number, at most MAX_PAGE."""
    digits = (value or "").strip()
    # isascii() too: int() would also take full-width digits and underscores.
    if not (digits.isascii() and digits.isdigit()):
        return 1
    digits = digits.lstrip("0")
    if len(digits) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(max(int(digits or "1"), 1), MAX_PAGE)


def existing_page(fetch: Callable[[int], Page[T]], number: int) -> Page[T]:
    """Page `number` of a list from `fetch`, or its last page if the list is shorter."""
    page = fetch(number)
    return fetch(page.pages) if number > page.pages else page
