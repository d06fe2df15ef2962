"""Tables that become cards on a phone: each cell carries its column's header as data-label.

`data_table` (templates/macros.html) runs every row through `label_cells`, and phone.css shows
the label above the value once the screen is too narrow for columns. A cell that already has a
data-label keeps it; a column with an empty header (buttons) gets none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup, escape

ROW = re.compile(r"<tr\b.*?</tr>", re.DOTALL)
# A cell's opening tag (a row header <th> takes its column's place too).
CELL = re.compile(r"<(t[dh])\b([^>]*)>")


def label_cells(rows: str, headers: Sequence[object]) -> Markup:
    """`rows` (rendered <tr> elements) with each <td> labelled by its column's header."""

    def label_row(row: re.Match[str]) -> str:
        labels = iter(headers)
        return CELL.sub(lambda cell: _labelled(cell, next(labels, "")), row[0])

    return Markup(ROW.sub(label_row, str(rows)))  # noqa: S704  (markup already escaped)


def _labelled(cell: re.Match[str], header: object) -> str:
    """The cell's tag with the header's text as its label: only unlabelled data cells get one."""
    name, attributes = cell[1], cell[2]
    text = str(header)
    if name != "td" or not text or "data-label=" in attributes:
        return cell[0]
    return f'<td data-label="{escape(text)}"{attributes}>'
