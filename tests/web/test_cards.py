"""Tables as cards on a phone: data_table labels every data cell with its column's header."""

from __future__ import annotations

from markupsafe import Markup

from hotline.web.dashboard.cards import label_cells


def test_each_cell_gets_its_columns_header_row_headers_count_as_columns() -> None:
    rows = (
        '<tr class="x"><th scope="row">周一</th><td>甲</td><td class="n">乙</td></tr>\n'
        "<tr><th>周二</th><td>丙</td><td>丁</td></tr>"
    )

    labelled = label_cells(rows, ["日期", "主班", "备班"])

    assert labelled == (
        '<tr class="x"><th scope="row">周一</th><td data-label="主班">甲</td>'
        '<td data-label="备班" class="n">乙</td></tr>\n'
        '<tr><th>周二</th><td data-label="主班">丙</td><td data-label="备班">丁</td></tr>'
    )


def test_labels_are_escaped_kept_when_given_and_left_off_buttons() -> None:
    rows = Markup('<tr><td data-label="自己的">a</td><td>b</td><td><button>x</button></td></tr>')

    labelled = label_cells(rows, ["名", '<"&>', ""])

    assert labelled == (
        '<tr><td data-label="自己的">a</td><td data-label="&lt;&#34;&amp;&gt;">b</td>'
        "<td><button>x</button></td></tr>"
    )
