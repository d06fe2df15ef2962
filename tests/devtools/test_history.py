"""The history generator shared by the demo seed and the tickets benchmark."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import tickets
from hotline.db import make_engine, make_session_factory
from hotline.devtools import history
from hotline.models import (
    Category,
    EventKind,
    Technician,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketStatus,
)
from hotline.tickets import intake
from hotline.tickets.lifecycle import OPEN_STATUSES
from hotline.tickets.workflow import TRANSITIONS
from tests import factories
from tests.factories import CallFactory, CommunityFactory, VolunteerFactory

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # 14:00 in Beijing


@pytest.fixture
def pool(session: Session) -> history.Pool:
    """Six communities, the menu's categories, four technicians and a volunteer."""
    return make_pool(session)


def make_pool(session: Session) -> history.Pool:
    tickets.ensure_categories(session)
    communities = CommunityFactory.create_batch(6)
    categories = {c.code: c for c in session.scalars(select(Category))}
    for index, skills in enumerate(
        (("water_electric",), ("water_electric", "pipe_network"), ("pipe_network",), ("lockout",))
    ):
        session.add(
            Technician(
                name=f"师傅{index}",
                mobile=f"+861390000{index:04d}",
                skills=[categories[code] for code in skills],
                communities=communities[index % 2 :: 2],
            )
        )
    VolunteerFactory()
    session.flush()
    return history.load_pool(session)


def draw(pool: history.Pool, total: int, seed: int = 7, days: int = 90) -> list:
    period = history.Period(start=NOW - timedelta(days=days), now=NOW, total=total)
    return list(history.generate(pool, period, seed))


def test_the_same_seed_draws_the_same_history(pool: history.Pool) -> None:
    assert draw(pool, 300) == draw(pool, 300)
    assert draw(pool, 300) != draw(pool, 300, seed=8)


def test_it_draws_exactly_the_tickets_asked_for_in_order_within_the_period(
    pool: history.Pool,
) -> None:
    rows = draw(pool, 500)

    assert len(rows) == 500
    created = [ticket["created_at"] for ticket, _ in rows]
    assert created == sorted(created)
    assert NOW - timedelta(days=90) <= created[0] and created[-1] < NOW
    assert [ticket["id"] for ticket, _ in rows] == list(range(1, 501))
    assert [ticket["seq"] for ticket, _ in rows] == list(range(1, 501))
    assert all(ticket["call_id"] is None for ticket, _ in rows)


def test_calls_come_mostly_by_day_and_mostly_about_water_and_electricity(
    pool: history.Pool,
) -> None:
    rows = draw(pool, 2000)
    local_hours = [(t["created_at"] + timedelta(hours=8)).hour for t, _ in rows]
    by_day = sum(1 for hour in local_hours if 8 <= hour < 20)
    codes = {c.id: c.code for c in pool.categories}
    by_category = Counter(codes[t["category_id"]] for t, _ in rows)

    assert by_day / len(rows) > 0.7
    assert by_category.most_common(1)[0][0] == "water_electric"
    assert by_category["lockout"] == min(by_category.values())


def test_about_ninety_percent_resolve_within_three_days_and_lockouts_within_hours(
    pool: history.Pool,
) -> None:
    rows = draw(pool, 3000, days=365)
    codes = {c.id: c.code for c in pool.categories}
    resolved = [t for t, _ in rows if t["status"] is TicketStatus.RESOLVED]
    hours = [(t["resolved_at"] - t["created_at"]) / timedelta(hours=1) for t in resolved]
    lockouts = [
        h for t, h in zip(resolved, hours, strict=True) if codes[t["category_id"]] == "lockout"
    ]

    within = sum(1 for h in hours if h <= 72) / len(hours)
    assert 0.85 <= within <= 0.93
    assert sum(1 for h in lockouts if h <= 4) / len(lockouts) >= 0.9
    assert statistics.median(lockouts) < 3


def test_some_are_closed_some_reopened_some_rated_and_recent_ones_still_open(
    pool: history.Pool,
) -> None:
    rows = draw(pool, 3000)
    statuses = Counter(t["status"] for t, _ in rows)
    reopened = [
        t
        for t, events in rows
        if any(e["from_value"] == "resolved" and e["to_value"] == "in_progress" for e in events)
    ]
    still_open = [t for t, _ in rows if t["status"] in OPEN_STATUSES]
    scores = Counter(t["satisfaction"] for t, _ in rows if t["satisfaction"] is not None)

    assert 0.01 < statuses[TicketStatus.CLOSED] / len(rows) < 0.06
    assert reopened and all(
        t["resolved_at"] is not None for t in reopened if t["status"] is TicketStatus.RESOLVED
    )
    assert still_open
    assert any(t["due_at"] < NOW for t in still_open)  # overdue
    assert all(t["created_at"] > NOW - timedelta(days=30) for t in still_open)
    assert set(scores) == {1, 2, 3, 4, 5}
    assert scores[5] > scores[1]


def test_events_follow_the_workflow_rules_and_end_in_the_tickets_state(
    pool: history.Pool,
) -> None:
    technicians = {t.id: t for t in pool.technicians}
    for ticket, events in draw(pool, 1000):
        assert events[0]["kind"] is EventKind.CREATED
        assert events[0]["at"] == ticket["created_at"]
        assert all(e["at"] <= NOW for e in events)
        assert [e["at"] for e in events] == sorted(e["at"] for e in events)
        status = TicketStatus.OPEN
        for event in events:
            if event["kind"] is EventKind.STATUS:
                assert event["from_value"] == status.value
                status = TicketStatus(event["to_value"])
                assert status in TRANSITIONS[TicketStatus(event["from_value"])]
                if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
                    assert event["note"]
        assert status is ticket["status"]
        assert ticket["updated_at"] == events[-1]["at"]
        if ticket["technician_id"] is not None:
            # Chosen by skill: the technician knows the ticket's category.
            assert ticket["category_id"] in technicians[ticket["technician_id"]].skills
        if ticket["status"] is TicketStatus.RESOLVED:
            assert ticket["survey_sent_at"] is not None  # the survey sweep leaves history alone
        if ticket["status"] in OPEN_STATUSES and ticket["due_at"] <= NOW:
            assert ticket["sla_breached_at"] == ticket["due_at"]


def test_written_history_keeps_refs_unique_among_open_tickets_and_the_counter_ahead(
    session: Session, pool: history.Pool
) -> None:
    period = history.Period(start=NOW - timedelta(days=60), now=NOW, total=1500)

    written = history.write(session, pool, period, seed=3)

    assert written == 1500
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1500
    assert session.scalar(select(func.count()).select_from(TicketEvent)) > 4 * 1500
    open_refs = list(session.scalars(select(Ticket.ref).where(Ticket.status.in_(OPEN_STATUSES))))
    assert open_refs and len(open_refs) == len(set(open_refs))
    assert all(ref and ref.isdigit() and 4 <= len(ref) <= 6 for ref in open_refs)
    assert session.get(TicketCounter, 2026).last == 1500  # type: ignore[union-attr]


def test_a_call_after_the_history_takes_the_next_number(
    session: Session, pool: history.Pool
) -> None:
    history.write(
        session, pool, history.Period(start=NOW - timedelta(days=30), now=NOW, total=400), seed=1
    )

    ticket = intake.open_for_call(
        session, CallFactory(), now=NOW, timezone="Asia/Shanghai", sla_hours=72
    )

    assert ticket.number == "2026-000401"
    assert ticket.id == 401


def test_a_second_history_goes_after_the_first(session: Session, pool: history.Pool) -> None:
    period = history.Period(start=NOW - timedelta(days=30), now=NOW, total=200)
    history.write(session, pool, period, seed=1)

    history.write(session, pool, period, seed=2)

    numbers = list(session.scalars(select(Ticket.number)))
    assert len(numbers) == len(set(numbers)) == 400
    assert session.get(TicketCounter, 2026).last == 400  # type: ignore[union-attr]
    open_refs = list(session.scalars(select(Ticket.ref).where(Ticket.status.in_(OPEN_STATUSES))))
    assert len(open_refs) == len(set(open_refs))


def test_history_needs_communities_and_categories(session: Session) -> None:
    empty = history.Pool(communities=[], categories=[], technicians=[], volunteers=[])

    with pytest.raises(ValueError, match="communities"):
        history.generate(empty, history.Period(start=NOW, now=NOW, total=1), seed=1)


def test_history_spanning_new_year_numbers_each_year_from_one(pool: history.Pool) -> None:
    now = datetime(2026, 1, 20, tzinfo=UTC)
    rows = list(
        history.generate(
            pool, history.Period(start=now - timedelta(days=40), now=now, total=400), seed=5
        )
    )
    years = Counter(t["year"] for t, _ in rows)

    assert set(years) == {2025, 2026}
    for year in years:
        seqs = [t["seq"] for t, _ in rows if t["year"] == year]
        assert seqs == list(range(1, years[year] + 1))
    assert all(t["number"] == f"{t['year']}-{t['seq']:06d}" for t, _ in rows)


@pytest.mark.postgres
def test_on_postgresql_the_next_ticket_id_comes_after_the_history(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with make_session_factory(engine)() as pg, factories.bound(pg):
            pool = make_pool(pg)
            period = history.Period(start=NOW - timedelta(days=10), now=NOW, total=50)
            history.write(pg, pool, period, seed=4)
            last = pg.scalar(select(func.max(Ticket.id)))

            ticket = intake.open_for_call(
                pg, CallFactory(), now=NOW, timezone="Asia/Shanghai", sla_hours=72
            )

            assert last is not None and ticket.id > last
            assert ticket.seq == pg.get(TicketCounter, 2026).last  # type: ignore[union-attr]
            pg.rollback()
    finally:
        engine.dispose()
