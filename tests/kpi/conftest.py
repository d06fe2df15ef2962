"""KPI fixtures: the hand-computed November of tests/kpi/test_metrics.py, on SQLite or
PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hotline.models import Community, Technician, Ticket, TicketStatus
from hotline.tickets import workflow
from tests import factories
from tests.helpers import cn

# The report is read on 12-02 at noon, Beijing time.
NOW = cn("12-02 12:00")


@dataclass
class November:
    """The tickets of the hand-computed example, by their letter."""

    tickets: dict[str, Ticket]
    east: Community
    west: Community
    fixer: Technician


def ticket(created: str, **fields: object) -> Ticket:
    made: Ticket = factories.TicketFactory(created_at=cn(created), due_at=cn(created), **fields)
    return made


def resolved(created: str, at: str, **fields: object) -> Ticket:
    return ticket(created, status=TicketStatus.RESOLVED, resolved_at=cn(at), **fields)


def november(session: Session) -> November:
    """Tickets of October (the period before), November and December, as the module docstring
    of test_metrics tells."""
    east = factories.CommunityFactory(name="东湖社区")
    west = factories.CommunityFactory(name="西山社区")
    fixer = Technician(name="王师傅", mobile="+8613700000001")
    session.add(fixer)
    session.flush()
    t: dict[str, Ticket] = {}
    t["A"] = resolved(
        "11-02 10:00", "11-03 10:00", community=east, technician=fixer, satisfaction=5
    )
    t["B"] = resolved("11-05 08:00", "11-09 08:00", community=east, technician=fixer)
    t["C"] = ticket("11-10 09:00", community=west)
    t["D"] = resolved("11-28 12:00", "12-01 11:00", community=west)
    t["E"] = ticket("11-30 20:00", community=west)
    t["F"] = ticket("11-12 09:00", status=TicketStatus.CLOSED, closed_at=cn("11-12 10:00"))
    t["G"] = ticket("11-15 08:00", satisfaction=2)
    t["H"] = resolved("11-20 08:00", "11-23 08:00")
    t["I"] = resolved("11-21 08:00", "11-22 08:00", satisfaction=4)
    t["P1"] = resolved("10-10 08:00", "10-11 08:00")
    t["P2"] = ticket("10-31 23:30")
    t["K"] = ticket("12-02 08:00")
    session.flush()
    # G is resolved, reopened and resolved again: it counts by its final resolution.
    system = workflow.SYSTEM
    workflow.change_status(
        session, t["G"], TicketStatus.RESOLVED, system, cn("11-16 08:00"), "修好"
    )
    workflow.change_status(session, t["G"], TicketStatus.IN_PROGRESS, system, cn("11-17 08:00"))
    workflow.change_status(
        session, t["G"], TicketStatus.RESOLVED, system, cn("11-19 08:00"), "再修"
    )
    # I is resolved and then closed: still counted, by its resolution.
    workflow.change_status(session, t["I"], TicketStatus.CLOSED, system, cn("11-23 08:00"), "归档")
    session.flush()
    return November(t, east, west, fixer)


def at(text: str) -> datetime:
    """A Beijing time (tests.helpers.cn)."""
    return cn(text)
