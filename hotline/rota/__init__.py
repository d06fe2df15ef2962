"""The volunteer rota: who is on duty, rotations, overrides, leave, swaps, reports, reminders.

Callers (web, commands, tasks, tests, bench) use these re-exports: `from hotline import rota`,
`rota.on_duty(...)`, and for module constants the submodule (`rota.leave.LOOKAHEAD`,
`rota.swaps.OPEN`). Code inside hotline/ imports the submodules themselves
(`from hotline.rota.duty import on_duty`), never this package, so it can never import itself.
"""

from hotline.rota.cadence import Cadence, Restriction, first_instant, wall, weekday_mask
from hotline.rota.chain import (
    Duty,
    RotaPlan,
    Segment,
    ShiftWindow,
    cadence_of,
    layer_label,
    merge_runs,
    plan_between,
    resolve,
)
from hotline.rota.csv_import import ImportReport, RowError, import_volunteers
from hotline.rota.duty import OnDuty, on_duty, shifts_between, upcoming_shifts
from hotline.rota.errors import N_, RotaError, check_window
from hotline.rota.ical import feed_token, ical_feed, reset_feed_token
from hotline.rota.leave import (
    LeaveClash,
    add_leave,
    cancel_leave,
    on_leave,
    take_leave,
    upcoming_leave,
)
from hotline.rota.overrides import add_override, cancel_override, upcoming_overrides
from hotline.rota.people import (
    Person,
    label_of,
    resolve_assignee,
    resolve_volunteers,
    search_people,
    search_volunteers,
)
from hotline.rota.reminders import check_coverage, send_due_reminders
from hotline.rota.reports import (
    CalendarDay,
    Conflict,
    CoverageReport,
    FairnessReport,
    LoadSummary,
    Window,
    calendar,
    coverage,
    coverage_report,
    fairness_report,
    open_alerts,
)
from hotline.rota.rotations import (
    RotationSettings,
    create_rotation,
    end_rotation,
    get_rotation,
    list_rotations,
    revise_rotation,
)
from hotline.rota.swaps import (
    approve_swap,
    available_swaps,
    cancel_swap,
    offer_swap,
    open_swaps,
    reject_swap,
    swaps_offered_by,
    take_swap,
)

__all__ = [
    # errors
    "N_",
    "RotaError",
    "check_window",
    # duty
    "OnDuty",
    "on_duty",
    "shifts_between",
    "upcoming_shifts",
    # rotations
    "RotationSettings",
    "create_rotation",
    "end_rotation",
    "get_rotation",
    "list_rotations",
    "revise_rotation",
    # overrides
    "add_override",
    "cancel_override",
    "upcoming_overrides",
    # leave
    "LeaveClash",
    "add_leave",
    "cancel_leave",
    "on_leave",
    "take_leave",
    "upcoming_leave",
    # swaps
    "approve_swap",
    "available_swaps",
    "cancel_swap",
    "offer_swap",
    "open_swaps",
    "reject_swap",
    "swaps_offered_by",
    "take_swap",
    # chain
    "Duty",
    "RotaPlan",
    "Segment",
    "ShiftWindow",
    "cadence_of",
    "layer_label",
    "merge_runs",
    "plan_between",
    "resolve",
    # cadence
    "Cadence",
    "Restriction",
    "first_instant",
    "wall",
    "weekday_mask",
    # reports
    "CalendarDay",
    "Conflict",
    "CoverageReport",
    "FairnessReport",
    "LoadSummary",
    "Window",
    "calendar",
    "coverage",
    "coverage_report",
    "fairness_report",
    "open_alerts",
    # people
    "Person",
    "label_of",
    "resolve_assignee",
    "resolve_volunteers",
    "search_people",
    "search_volunteers",
    # reminders
    "check_coverage",
    "send_due_reminders",
    # ical
    "feed_token",
    "ical_feed",
    "reset_feed_token",
    # csv_import
    "ImportReport",
    "RowError",
    "import_volunteers",
]
