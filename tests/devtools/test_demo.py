"""The demo seed (`flask hotline seed-demo`): the county's communities, a talent pool, three
months of history the dashboard and the KPI page show, and nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import kpi
from hotline.db import utcnow
from hotline.devtools import demo
from hotline.models import (
    Category,
    Community,
    Priority,
    Role,
    Technician,
    Ticket,
    TicketCounter,
    TicketStatus,
    User,
)
from hotline.tickets import intake
from hotline.tickets.lifecycle import OPEN_STATUSES
from tests.factories import CallFactory
from tests.helpers import page


def seed_demo(app: Flask) -> Result:
    with app.app_context():
        return app.test_cli_runner().invoke(args=["hotline", "seed-demo"])


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_seed_creates_the_countys_communities_and_a_talent_pool(session: Session) -> None:
    demo.seed(session, utcnow())

    communities = list(session.scalars(select(Community)))
    technicians = list(session.scalars(select(Technician)))
    assert len(communities) == 28
    assert len({c.code for c in communities}) == len({c.name for c in communities}) == 28
    assert all(c.name.endswith("社区") for c in communities)
    assert 12 <= len(technicians) <= 20
    assert all(t.skills and t.communities and t.active for t in technicians)
    # Every community has someone for each skill the pool offers.
    skills = {c.code for t in technicians for c in t.skills}
    assert skills == {"water_electric", "pipe_network", "lockout"}
    for community in communities:
        for skill in skills:
            assert any(
                community in t.communities and skill in {c.code for c in t.skills}
                for t in technicians
            ), (community.name, skill)
    supervisor = session.scalars(select(User).where(User.username == "supervisor")).one()
    assert supervisor.role is Role.SUPERVISOR


def test_the_seed_brings_three_months_of_history(session: Session) -> None:
    now = utcnow()

    demo.seed(session, now)

    tickets = list(session.scalars(select(Ticket)))
    assert len(tickets) == demo.HISTORY_TICKETS
    assert min(t.created_at for t in tickets) >= now - timedelta(days=demo.HISTORY_DAYS)
    assert max(t.created_at for t in tickets) <= now
    assert len({t.community_id for t in tickets}) == 28
    assert len({t.category_id for t in tickets}) == count(session, Category)
    resolved = [t for t in tickets if t.status is TicketStatus.RESOLVED and t.resolved_at]
    within = [t for t in resolved if t.resolved_at - t.created_at <= timedelta(days=3)]  # type: ignore[operator]
    assert 0.85 <= len(within) / len(resolved) <= 0.95
    assert any(t.status in OPEN_STATUSES for t in tickets)
    assert all(t.events for t in tickets[:50])
    open_refs = [t.ref for t in tickets if t.status in OPEN_STATUSES]
    assert len(open_refs) == len(set(open_refs))


def test_a_call_after_the_seed_gets_the_next_number(session: Session) -> None:
    now = utcnow()
    demo.seed(session, now)
    last = {c.year: c.last for c in session.scalars(select(TicketCounter))}

    ticket = intake.open_for_call(
        session, CallFactory(), now=now, timezone="Asia/Shanghai", sla_hours=72
    )

    year = ticket.year
    assert ticket.seq == last[year] + 1
    assert count(session, Ticket) == demo.HISTORY_TICKETS + 1


def test_seeding_twice_does_nothing_the_second_time(app: Flask, session: Session) -> None:
    first = seed_demo(app)
    seeded = (count(session, Community), count(session, Technician), count(session, Ticket))

    second = seed_demo(app)

    assert first.exit_code == 0 and "supervisor / " in first.output
    assert second.exit_code == 0 and "skipped" in second.output
    assert seeded == (28, len(demo.TECHNICIANS), demo.HISTORY_TICKETS)
    assert (count(session, Community), count(session, Technician), count(session, Ticket)) == (
        seeded
    )


def test_the_first_runs_categories_do_not_stop_the_seed(app: Flask, session: Session) -> None:
    # `flask db upgrade` adds the menu's categories to a new database before `make run` seeds.
    intake.seed_categories(session)
    session.commit()

    result = seed_demo(app)

    assert result.exit_code == 0 and "supervisor / " in result.output
    assert count(session, Community) == 28


def test_the_dashboard_and_the_kpi_show_the_history(
    session: Session, client: FlaskClient, sign_in: Callable[..., User]
) -> None:
    now = utcnow()
    demo.seed(session, now)
    last_month = kpi.period_of(kpi.PeriodKind.MONTH, (now - timedelta(days=40)).date())
    figures = kpi.report(
        session, last_month, now=now, timezone="Asia/Shanghai", promise_days=3, target=90.0
    )
    sign_in(role=Role.SUPERVISOR)
    # The list puts urgent tickets first, newest first.
    newest = session.scalars(
        select(Ticket).where(Ticket.priority == Priority.URGENT).order_by(Ticket.id.desc())
    ).first()
    assert newest is not None and newest.call_id is None
    community = session.get(Community, newest.community_id)
    assert community is not None

    listed = page(client, "/tickets")
    shown = page(client, f"/tickets/{newest.number}")
    filtered = page(client, f"/tickets?community={community.id}")

    kpi_page = page(client, "/kpi/")

    assert newest.number in listed
    assert newest.number in shown and community.name in shown
    assert community.name in filtered
    assert figures.total.share is not None and 80 <= figures.total.share <= 96
    assert figures.median_hours is not None and figures.total.rated > 0
    assert len(figures.communities) == 28 and figures.technicians
    assert "%" in kpi_page
