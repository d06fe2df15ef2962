"""The KPI pages: the charts drawn as SVG (bars and the 90% line at their values), the CSV
exports, the clock's alerts in the header, and who may see them."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.models import Role, User
from hotline.web.kpi import charts
from tests.factories import TicketFactory, VolunteerFactory
from tests.helpers import configure, page, text
from tests.kpi.conftest import NOW, at, november

NOVEMBER = "/kpi/?kind=month&day=2026-11-17"


@pytest.fixture
def supervisor(app: Flask, monkeypatch: pytest.MonkeyPatch, sign_in: Callable[..., User]) -> User:
    configure(app, monkeypatch, clock=lambda: NOW)
    return sign_in(role=Role.SUPERVISOR)


def svg(html: str, chart_id: str) -> ET.Element:
    match = re.search(rf'<svg class="chart-svg" id="{chart_id}".*?</svg>', html, re.S)
    assert match, f"no chart {chart_id}"
    return ET.fromstring(match.group(0))


def bars(chart: ET.Element) -> list[tuple[str, float, float]]:
    """(label, value, height) of each bar; value -1 is a part with nothing decided."""
    return [
        (
            rect.get("data-label", ""),
            float(rect.get("data-value", "")),
            float(rect.get("height", "")),
        )
        for rect in chart.iter("rect")
    ]


def read_csv(client: FlaskClient, path: str) -> list[list[str]]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = text(response)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_the_share_chart_has_a_bar_per_week_and_the_target_line(
    session: Session, client: FlaskClient, supervisor: User
) -> None:
    november(session)
    html = page(client, NOVEMBER)

    chart = svg(html, "chart-share")
    plot = 260 - 44 - 16  # the plot's height in the viewBox
    assert bars(chart) == [
        ("11/1", 50.0, plot * 0.5),
        ("11/8", 0.0, 0.0),
        ("11/15", 66.67, pytest.approx(plot * 2 / 3, abs=0.01)),
        ("11/22", 100.0, plot),
        ("11/29", -1.0, 0.0),  # only a pending ticket: no share yet
    ]
    assert [rect.get("class") for rect in chart.iter("rect")] == [
        "bar short",
        "bar short",
        "bar short",
        "bar ok",
        "bar none",
    ]
    (target,) = [line for line in chart.iter("line") if line.get("class") == "target"]
    assert target.get("data-value") == "90.0"
    assert float(target.get("y1", "")) == float(target.get("y2", "")) == 16 + plot * 0.1
    assert 'id="kpi-share">57.1%<' in html


def test_the_backlog_and_community_charts(
    session: Session, client: FlaskClient, supervisor: User
) -> None:
    november(session)
    html = page(client, NOVEMBER)
    assert [(label, value) for label, value, _ in bars(svg(html, "chart-backlog"))] == [
        ("<1", 1.0),
        ("1–3", 1.0),
        ("3–7", 0.0),
        (">7", 2.0),
    ]
    communities = svg(html, "chart-communities")
    assert [(label, value) for label, value, _ in bars(communities)] == [
        ("东湖社区", 50.0),
        ("西山社区", 50.0),
        ("无社区", 66.67),  # F excluded; G missed; H, I met
    ]
    (target,) = [line for line in communities.iter("line") if line.get("class") == "target"]
    assert float(target.get("x1", "")) == charts.NAME_WIDTH + (600 - 56 - charts.NAME_WIDTH) * 0.9


def test_a_year_is_drawn_by_month(session: Session, client: FlaskClient, supervisor: User) -> None:
    november(session)
    chart = svg(page(client, "/kpi/?kind=year&day=2026-05-01"), "chart-share")
    assert [label for label, _, _ in bars(chart)] == [str(month) for month in range(1, 13)]
    assert [value for _, value, _ in bars(chart)][9:] == [50.0, pytest.approx(57.14), -1.0]


def test_a_period_that_cannot_be_measured_is_explained(
    session: Session, client: FlaskClient, supervisor: User
) -> None:
    html = page(client, "/kpi/?kind=custom&date_from=2026-12-01&date_to=2026-11-01")
    assert "chart-svg" not in html and 'class="errors"' in html
    html = page(client, "/kpi/?kind=custom&date_from=2026-12-01")
    assert "chart-svg" not in html and 'class="errors"' in html
    assert "chart-svg" in page(client, "/kpi/")  # this month by default


def test_the_kpi_table_as_csv(session: Session, client: FlaskClient, supervisor: User) -> None:
    example = november(session)
    rows = read_csv(client, "/kpi/export.csv?kind=month&day=2026-11-17")
    header, total, *rest = rows
    assert len(header) == 11
    assert total[2:8] == ["8", "4", "3", "1", "1", "57.1"]
    by_name = {(row[0], row[1]): row for row in rest}
    east = by_name[("社区", "东湖社区")]
    assert east[2:] == ["2", "1", "1", "0", "0", "50.0", "60.0", "1", "5.00"]
    assert by_name[("技术员", example.fixer.name)][2:4] == ["2", "1"]
    assert client.get("/kpi/export.csv?kind=custom").status_code == 400


def test_tickets_as_csv_with_the_list_filters(
    session: Session, client: FlaskClient, supervisor: User
) -> None:
    example = november(session)
    east = example.east.id
    rows = read_csv(client, f"/kpi/tickets.csv?community={east}")
    header, *tickets = rows
    assert len(header) == 12
    b, a = tickets  # newest first
    assert (a[0], a[1], a[2], a[7], a[8], a[9], a[10]) == (
        example.tickets["A"].number,
        "2026-11-02 10:00",
        "resolved",
        "2026-11-03 10:00",
        "24.0",
        "met",
        "5",
    )
    assert (b[0], b[9]) == (example.tickets["B"].number, "missed")
    dated = read_csv(client, "/kpi/tickets.csv?date_from=2026-11-30&date_to=2026-12-02")
    assert [row[0] for row in dated[1:]] == [example.tickets[k].number for k in ("K", "E")]
    assert [row[9] for row in dated[1:]] == ["pending", "pending"]
    open_now = read_csv(client, "/kpi/tickets.csv?status=open")
    assert len(open_now) == 1 + 4  # C, E, P2, K
    assert client.get("/kpi/tickets.csv?date_from=soon").status_code == 400


def test_a_cell_a_spreadsheet_would_run_is_quoted(
    session: Session, client: FlaskClient, supervisor: User
) -> None:
    TicketFactory(created_at=at("11-02 10:00"), due_at=at("11-05 10:00"), summary="=HYPERLINK(1)")
    session.commit()
    (_, row) = read_csv(client, "/kpi/tickets.csv")
    assert row[-1] == "'=HYPERLINK(1)"


def test_supervisors_see_late_tickets_counted_in_the_header_and_listed(
    session: Session, client: FlaskClient, supervisor: User
) -> None:
    late = TicketFactory(
        created_at=at("11-25 08:00"),
        due_at=at("11-28 08:00"),
        sla_warned_at=at("11-27 08:00"),
        sla_breached_at=at("11-28 08:00"),
    )
    warned = TicketFactory(
        created_at=at("11-30 08:00"), due_at=at("12-03 08:00"), sla_warned_at=at("12-02 10:00")
    )
    session.commit()
    html = page(client, "/tickets")
    assert re.search(r'id="sla-breached">1<', html) and re.search(r'id="sla-warned">1<', html)
    listing = page(client, "/kpi/alerts")
    assert listing.index(late.number) < listing.index(warned.number)


@pytest.mark.parametrize("path", ["/kpi/", "/kpi/alerts", "/kpi/export.csv", "/kpi/tickets.csv"])
def test_only_supervisors_and_admins_see_the_kpi(
    session: Session, client: FlaskClient, sign_in: Callable[..., User], path: str
) -> None:
    TicketFactory(
        created_at=at("11-25 08:00"), due_at=at("11-28 08:00"), sla_warned_at=at("11-27 08:00")
    )
    assert client.get(path).status_code == 302  # to the login page
    sign_in(role=Role.VOLUNTEER, volunteer_id=VolunteerFactory().id)
    assert client.get(path).status_code == 403
    assert 'id="sla-breached"' not in page(client, "/tickets")
    client.post("/logout")
    sign_in(role=Role.ADMIN)
    assert client.get(path).status_code == 200
