"""CSV files for all-or-nothing imports (volunteers, technicians): decoding what a spreadsheet
saved, headers in English or Chinese, yes/no cells, and the per-row report.

Each import checks every row first and reports every problem by line; only a file without
errors is saved. The importers (hotline.rota.csv_import, hotline.dispatch.csv_import) share
these pieces so both files read and report the same way.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

TRUE = frozenset({"1", "true", "yes", "y", "是", "√"})
FALSE = frozenset({"0", "false", "no", "n", "否", "×"})


@dataclass(frozen=True)
class RowError:
    """One problem in the file: line number as a spreadsheet shows it, column, what is wrong."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.message}"


@dataclass
class ImportReport:
    """The outcome: counts when everything was saved, or every error and nothing saved."""

    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the import went through."""
        return not self.errors


def decode(data: bytes) -> str:
    """CSV saved as UTF-8 (with or without BOM), or as GB18030 by a Chinese Excel.

    UnicodeDecodeError if it is neither."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def flag(raw: str, default: bool) -> bool | None:
    """A yes/no cell (是/否, yes/no, 1/0 ...); `default` when empty, None when unreadable."""
    value = raw.strip().lower()
    if not value:
        return default
    if value in TRUE:
        return True
    return False if value in FALSE else None


def read_rows(
    lines: Iterable[str],
    headers: Mapping[str, Sequence[str]],
    required: Sequence[str],
    report: ImportReport,
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {column key: stripped cell}) for each non-blank row, keyed by `headers` (key ->
    accepted titles, lower case). Header problems go to `report` and yield no rows."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        report.errors.append(RowError(1, "header", "the file is empty"))
        return
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = next((k for k, names in headers.items() if title.strip().lower() in names), None)
        if key is None:
            report.errors.append(RowError(1, title, "unknown column"))
        else:
            columns[key] = index
    for key in required:
        if key not in columns:
            report.errors.append(RowError(1, key, "required column missing"))
    if report.errors:
        return
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        yield line, {k: cells[i].strip() if i < len(cells) else "" for k, i in columns.items()}
