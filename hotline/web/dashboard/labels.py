"""Translated names of stored values (statuses, outcomes, event kinds) for templates."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from hotline.models import (
    CallbackStatus,
    CallOutcome,
    Category,
    EventKind,
    Priority,
    RecordingStatus,
    Role,
    TicketSource,
    TicketStatus,
)
from hotline.phone import mask_number

# Keyed by enum class first: members of different enums share values ("answered").
ENUM_LABELS: Mapping[type[enum.Enum], Mapping[enum.Enum, object]] = {
    CallOutcome: {
        CallOutcome.IN_PROGRESS: _l("In progress"),
        CallOutcome.ANSWERED: _l("Answered"),
        CallOutcome.VOICEMAIL: _l("Voicemail"),
        CallOutcome.ABANDONED: _l("Abandoned"),
        CallOutcome.FAILED: _l("Failed"),
    },
    TicketStatus: {
        TicketStatus.OPEN: _l("Open"),
        TicketStatus.ASSIGNED: _l("Assigned"),
        TicketStatus.IN_PROGRESS: _l("Being handled"),
        TicketStatus.RESOLVED: _l("Resolved"),
        TicketStatus.CLOSED: _l("Closed"),
    },
    TicketSource: {
        TicketSource.ANSWERED: _l("Answered by a volunteer"),
        TicketSource.VOICEMAIL: _l("Voicemail"),
        TicketSource.VOICEMAIL_EMPTY: _l("Empty voicemail, call back"),
        TicketSource.ABANDONED: _l("Hung up in the menu, call back"),
        TicketSource.FAILED: _l("Call failed, call back"),
        TicketSource.WEB: _l("Reported on the web page"),
    },
    Priority: {
        Priority.NORMAL: _l("Normal"),
        Priority.URGENT: _l("Urgent"),
    },
    RecordingStatus: {
        RecordingStatus.AWAITING_DOWNLOAD: _l("Awaiting download"),
        RecordingStatus.DOWNLOADED: _l("Downloaded"),
        RecordingStatus.TRANSCRIBING: _l("Transcribing"),
        RecordingStatus.TRANSCRIBED: _l("Transcribed"),
        RecordingStatus.FAILED: _l("Failed"),
        RecordingStatus.AWAITING_MODEL: _l("Awaiting speech model"),
        RecordingStatus.EMPTY: _l("No audio"),
    },
    EventKind: {
        EventKind.CREATED: _l("Ticket opened"),
        EventKind.STATUS: _l("Status changed"),
        EventKind.FIELD: _l("Details changed"),
        EventKind.ASSIGNED: _l("Assigned"),
        EventKind.NOTE: _l("Note"),
        EventKind.CALLBACK: _l("Call back"),
        EventKind.SMS: _l("SMS"),
        EventKind.SLA: _l("Deadline alert"),
        EventKind.RATED: _l("Satisfaction rated"),
        EventKind.PHOTO: _l("Photo added"),
    },
    Role: {
        Role.ADMIN: _l("Administrator"),
        Role.SUPERVISOR: _l("Supervisor"),
        Role.VOLUNTEER: _l("Volunteer"),
    },
}

# CallEvent.kind as hotline.calls logs it, one per carrier webhook.
EVENT_LABELS: Mapping[str, object] = {
    "incoming": _l("Call came in"),
    "gather": _l("Menu answer"),
    "dial": _l("Volunteer's phone stopped ringing"),
    "screen": _l("Volunteer picked up"),
    "screen_result": _l("Volunteer's answer to the screening"),
    "recording": _l("Voicemail recorded"),
    "recording_status": _l("Recording status"),
    "status": _l("Call status"),
}


# TicketEvent.field: which detail a change is about.
FIELD_LABELS: Mapping[str, object] = {
    "status": _l("Status"),
    "community": _l("Community"),
    "address": _l("Address"),
    "category": _l("Category"),
    "priority": _l("Priority"),
    "resident_name": _l("Resident's name"),
    "technician": _l("Technician"),
    "volunteer": _l("Volunteer"),
    "visit": _l("Visit window"),
}


# Values other events record (the clock's alerts, call backs), by (field, value).
VALUE_LABELS: Mapping[tuple[str, str], object] = {
    ("sla", "warning"): _l("Promised time used: 80%"),
    ("sla", "breach"): _l("The promised time has passed"),
    ("callback", CallbackStatus.REQUESTED.value): _l("Requested"),
    ("callback", CallbackStatus.DIALING.value): _l("Ringing the agent"),
    ("callback", CallbackStatus.BRIDGED.value): _l("Connecting the resident"),
    ("callback", CallbackStatus.COMPLETED.value): _l("Completed"),
    ("callback", CallbackStatus.FAILED.value): _l("Failed"),
}


def field_label(name: str) -> str:
    """The translated name of a ticket detail, or the name itself for one added later."""
    return str(FIELD_LABELS.get(name, name))


def change_value(field: str, value: str) -> str:
    """A from/to value of a ticket event as the page shows it: statuses and priorities by
    their translated names, everything else as recorded; "—" for empty."""
    if not value:
        return "—"
    enums: Mapping[str, type[enum.Enum]] = {"status": TicketStatus, "priority": Priority}
    kind = enums.get(field)
    if kind is not None and value in {member.value for member in kind}:
        return label(kind(value))
    return str(VALUE_LABELS.get((field, value), value))


def label(value: enum.Enum | None) -> str:
    """The translated name of a stored enum value; "—" for none."""
    if value is None:
        return "—"
    return str(ENUM_LABELS[type(value)][value])


# The parameters of hotline.tickets.workflow's refusals that hold a status value.
STATUS_PARAMS = frozenset({"status", "current", "to"})


def refusal_params(params: Mapping[str, object]) -> dict[str, object]:
    """A refusal's parameters for the page: ticket statuses by their translated names."""
    values = {status.value: status for status in TicketStatus}
    return {
        key: label(values[value])
        if key in STATUS_PARAMS and isinstance(value, str) and value in values
        else value
        for key, value in params.items()
    }


def event_label(kind: str) -> str:
    """The translated name of a webhook kind, or the kind itself for one added later."""
    return str(EVENT_LABELS.get(kind, kind))


def category_name(category: Category | None) -> str:
    """A category's name in the page's language; "—" for none."""
    if category is None:
        return "—"
    locale = get_locale()
    return category.name_en if locale is not None and locale.language == "en" else category.name_zh


def phone(number: str, full: bool) -> str:
    """A phone number, masked unless the viewer may see it whole; "—" when unknown."""
    if not number:
        return "—"
    return number if full else mask_number(number)
