"""Drill: PostgreSQL drops every connection between two calls (a failover, a network cut)."""

from __future__ import annotations

from sqlalchemy import select

from hotline.devtools import stack
from hotline.devtools.simulator import Caller
from hotline.models import Call, CallOutcome, Ticket
from tests.conftest import POSTGRES_ADMIN_URL
from tests.drills.conftest import DRILL, Drill, spoken

pytestmark = DRILL


def test_the_call_after_the_database_dropped_its_connections_works(drill: Drill) -> None:
    line = drill.start()
    web = line.web(workers=2, threads=2)
    simulator = drill.simulator()
    caller = Caller(presses=["0"], volunteers=["answer"])

    first = simulator.run(caller)
    ended = stack.terminate_connections(POSTGRES_ADMIN_URL, drill.database_url)
    second = simulator.run(caller)

    assert ended >= 1  # the web workers' pooled connections were cut
    assert first.connected and second.connected
    assert spoken(second.lines) == spoken(first.lines)
    with drill.session() as session:
        outcomes = session.scalars(select(Call.outcome).order_by(Call.id)).all()
        assert outcomes == [CallOutcome.ANSWERED, CallOutcome.ANSWERED]
        assert len(session.scalars(select(Ticket.id)).all()) == 2
    assert "failed for call" not in web.output()
    assert line.errors() == []
