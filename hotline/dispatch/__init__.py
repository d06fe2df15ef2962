"""The talent pool and dispatch: technicians and their load (`technicians`), whom to suggest
and assigning a ticket (`assignment`), technicians' and residents' SMS (`sms`), the
satisfaction survey (`survey`), and importing technicians from CSV (`csv_import`)."""

from hotline.dispatch.assignment import (
    Assigned,
    assign,
    assignment_sms,
    find_ticket,
    send_assignment,
    send_decline,
    unsent_assignments,
)
from hotline.dispatch.csv_import import import_technicians
from hotline.dispatch.sms import Command, Incoming, Outcome, Score, Verb, parse, receive
from hotline.dispatch.survey import send_surveys
from hotline.dispatch.technicians import (
    DispatchError,
    Loaded,
    Suggestion,
    TechnicianData,
    open_load,
    roster,
    save_technician,
    set_active,
    suggest,
    technician_by_mobile,
)

__all__ = [
    "Assigned",
    "Command",
    "DispatchError",
    "Incoming",
    "Loaded",
    "Outcome",
    "Score",
    "Suggestion",
    "TechnicianData",
    "Verb",
    "assign",
    "assignment_sms",
    "find_ticket",
    "import_technicians",
    "open_load",
    "parse",
    "receive",
    "roster",
    "save_technician",
    "send_assignment",
    "send_decline",
    "send_surveys",
    "set_active",
    "suggest",
    "technician_by_mobile",
    "unsent_assignments",
]
