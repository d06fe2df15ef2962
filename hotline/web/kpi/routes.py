"""KPI pages: each parses its input, calls one KPI function and renders (or streams CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from functools import wraps
from typing import ParamSpec
from zoneinfo import ZoneInfo

from flask import Response, abort, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from hotline import kpi, review
from hotline.audit import Action
from hotline.extensions import db_session, now, settings
from hotline.kpi import export
from hotline.models import TicketStatus
from hotline.tickets import clock
from hotline.web.audit import here as audit_here
from hotline.web.dashboard.auth import login_required, signed_in
from hotline.web.dashboard.forms import TicketFilterForm
from hotline.web.kpi import SUPERVISORS, bp, charts
from hotline.web.kpi.forms import PeriodForm

P = ParamSpec("P")


def supervisors_only(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
    """Require a signed-in administrator or supervisor."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        if signed_in().role not in SUPERVISORS:
            abort(403)
        return view(*args, **kwargs)

    return login_required(wrapper)


def _today() -> datetime:
    return now().astimezone(ZoneInfo(settings().timezone))


def _report(form: PeriodForm) -> kpi.Report | None:
    """The form's period measured, or None (errors on the form) if it cannot be."""
    if not form.validate():
        return None
    try:
        period = form.period(_today().date())
    except kpi.PeriodError as error:
        form.kind.errors = [*form.kind.errors, _(error.message, **error.params)]
        return None
    config = settings()
    return kpi.stored_report(
        db_session(),
        period,
        now=now(),
        timezone=config.timezone,
        promise_days=config.kpi_promise_days,
        target=float(config.kpi_target_percent),
    )


def _share(value: float | None) -> str:
    return "–" if value is None else f"{format_decimal(value, '0.0')}%"


def _hours(value: float | None) -> str:
    return "–" if value is None else format_decimal(value, "0.0")


def _part_label(part: kpi.Part) -> str:
    period = part.period
    if period.kind is kpi.PeriodKind.MONTH:
        return str(period.first.month)
    return f"{period.first.month}/{period.first.day}"


AGE_LABELS = {
    kpi.Age.UNDER_1_DAY: "<1",
    kpi.Age.DAYS_1_TO_3: "1–3",
    kpi.Age.DAYS_3_TO_7: "3–7",
    kpi.Age.OVER_7_DAYS: ">7",
}


def row_name(row: kpi.Row, missing: str) -> str:
    """A breakdown row's name in the page's language (`missing` for tickets without one)."""
    if row.id is None:
        return missing
    locale = get_locale()
    return row.name_en if locale is not None and locale.language == "en" else row.name


@bp.get("/")
@supervisors_only
def index() -> ResponseReturnValue:
    """The KPI of a period: charts of the share against the target, backlog, communities."""
    form = PeriodForm(request.args)
    report = _report(form)
    pictures = None
    if report is not None:
        no_community = _("No community")
        pictures = {
            "parts": charts.columns(
                [(_part_label(p), p.tally.share, _share(p.tally.share)) for p in report.parts],
                maximum=100.0,
                target=report.target,
            ),
            "backlog": charts.columns(
                [(AGE_LABELS[age], float(count), str(count)) for age, count in report.backlog]
            ),
            "communities": charts.rows(
                [
                    (row_name(row, no_community), row.tally.share, _share(row.tally.share))
                    for row in report.communities
                ],
                target=report.target,
            ),
        }
    return render_template(
        "kpi/index.html",
        form=form,
        report=report,
        charts=pictures,
        share=_share,
        hours=_hours,
        row_name=row_name,
        promise_days=settings().kpi_promise_days,
    )


@bp.get("/alerts")
@supervisors_only
def alerts() -> ResponseReturnValue:
    """Open tickets past their promised time, then those warned (80% of it gone)."""
    session = db_session()
    return render_template(
        "kpi/alerts.html",
        tickets=clock.alerted_tickets(session),
        counts=clock.alert_counts(session),
        limit=clock.ALERT_LIST_LIMIT,
    )


# A cell starting with one of these is a formula to a spreadsheet: quote it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv(rows: Iterable[Sequence[object]], filename: str) -> Response:
    """Stream rows as a UTF-8 CSV download (with a BOM, so Excel reads Chinese)."""

    def lines() -> Iterator[str]:
        yield "\ufeff"
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow([_cell(value) for value in row])
            if buffer.tell() > 16_384:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _number(value: float | None, pattern: str = "{:.1f}") -> str:
    return "" if value is None else pattern.format(value)


@bp.get("/export.csv")
@supervisors_only
def export_csv() -> ResponseReturnValue:
    """The KPI table of the period: one row per community, category and technician."""
    form = PeriodForm(request.args)
    report = _report(form)
    if report is None:
        abort(400)
    header = [
        _("Breakdown"),
        _("Name"),
        _("Tickets"),
        _("Met"),
        _("Missed"),
        _("Pending"),
        _("Closed unresolved"),
        _("Share within promise (percent)"),
        _("Mean hours to resolution"),
        _("Rated"),
        _("Average satisfaction"),
    ]
    groups = [
        (_("Total"), [kpi.Row(None, "", "", report.total)], ""),
        (_("Community"), report.communities, _("No community")),
        (_("Category"), report.categories, _("No category")),
        (_("Technician"), report.technicians, _("No technician")),
    ]
    lines: list[Sequence[object]] = [header]
    for dimension, rows, missing in groups:
        for row in rows:
            tally = row.tally
            lines.append(
                [
                    dimension,
                    row_name(row, missing),
                    tally.tickets,
                    tally.met,
                    tally.missed,
                    tally.pending,
                    tally.excluded,
                    _number(tally.share),
                    _number(tally.mean_hours),
                    tally.rated,
                    _number(tally.satisfaction, "{:.2f}"),
                ]
            )
    period = report.period
    _audit_export("export:kpi")
    return _csv(lines, f"kpi-{period.first.isoformat()}-{period.last.isoformat()}.csv")


OUTCOME_LABELS = {
    kpi.Outcome.MET: "met",
    kpi.Outcome.MISSED: "missed",
    kpi.Outcome.PENDING: "pending",
    kpi.Outcome.EXCLUDED: "excluded",
}


@bp.get("/tickets.csv")
@supervisors_only
def tickets_csv() -> ResponseReturnValue:
    """Tickets as CSV, with the ticket list's filters (at most export.MAX_ROWS, newest first)."""
    session = db_session()
    form = TicketFilterForm(request.args)
    categories, communities = review.filter_choices(session)
    form.set_choices(
        statuses=[(status.value, status.value) for status in TicketStatus],
        categories=[(str(c.id), c.code) for c in categories],
        communities=[(str(c.id), c.name) for c in communities],
    )
    if not form.validate():
        abort(400)
    config = settings()
    zone = ZoneInfo(config.timezone)
    lines = export.ticket_lines(
        session,
        form.criteria(),
        timezone=config.timezone,
        now=now(),
        promise_days=config.kpi_promise_days,
    )

    def local(moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    header = [
        _("Ticket number"),
        _("Created"),
        _("Status"),
        _("Priority"),
        _("Category"),
        _("Community"),
        _("Assigned to"),
        _("Resolved at"),
        _("Hours to resolution"),
        _("Within promise"),
        _("Satisfaction"),
        _("Summary"),
    ]
    rows = (
        [
            line.number,
            local(line.created_at),
            line.status,
            line.priority,
            line.category,
            line.community,
            line.assignee,
            local(line.resolved_at),
            _number(line.hours),
            OUTCOME_LABELS[line.outcome],
            "" if line.satisfaction is None else line.satisfaction,
            line.summary,
        ]
        for line in lines
    )
    _audit_export("export:tickets")
    return _csv(_chain([header], rows), f"tickets-{_today():%Y%m%d-%H%M}.csv")


def _audit_export(target: str) -> None:
    """Audit a download (its filters as the detail) and commit it before the rows stream."""
    session = db_session()
    audit_here(session, Action.EXPORT, target, request.query_string.decode(errors="replace"))
    session.commit()


def _chain(
    first: Iterable[Sequence[object]], rest: Iterable[Sequence[object]]
) -> Iterator[Sequence[object]]:
    yield from first
    yield from rest
