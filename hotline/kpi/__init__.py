"""The county's KPI: the share of tickets resolved within the promise over a period, time to
resolution, backlog and breakdowns (`metrics`), the reports stored for the page (`snapshots`),
the periods (`periods`), CSV rows (`export`)."""

from hotline.kpi.metrics import Age, Outcome, Part, Report, Row, Tally, report
from hotline.kpi.periods import Period, PeriodError, PeriodKind, custom, period_of
from hotline.kpi.snapshots import refresh, stored_report

__all__ = [
    "Age",
    "Outcome",
    "Part",
    "Period",
    "PeriodError",
    "PeriodKind",
    "Report",
    "Row",
    "Tally",
    "custom",
    "period_of",
    "refresh",
    "report",
    "stored_report",
]
