"""Routing strategies: sequential hunt, simultaneous ring groups, the total ring limit,
the supervisor fallback, and the chain snapshot under a mid-call rota edit."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import rota
from hotline.db import utcnow
from hotline.devtools.simulator import Caller, Simulator
from hotline.models import Call, CallOutcome, Ticket, TicketSource, Volunteer
from hotline.settings import PROJECT_ROOT

MAIN_FLOW = PROJECT_ROOT / "ivr_flows" / "main.yaml"


class Clock:
    """A wall clock the test moves on, as phones ring."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def ring(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)


def flow_with_routing(tmp_path: Path, **routing: object) -> Path:
    data = yaml.safe_load(MAIN_FLOW.read_text(encoding="utf-8"))
    data["routing"] = routing
    path = tmp_path / "main.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def line(app: Flask, clock: Clock, dials: list[ET.Element]) -> Simulator:
    """A simulator that advances the clock while phones ring and keeps every Dial it saw."""
    simulator = Simulator.for_app(app, echo=lambda _: None, on_ring=clock.ring)
    post = simulator._post

    def keep_dials(url: str, params: dict[str, str]) -> str:
        document = post(url, params)
        if document.startswith("<?xml"):
            dials.extend(ET.fromstring(document).iter("Dial"))
        return document

    simulator._post = keep_dials
    return simulator


def the_call(session: Session) -> tuple[Call, Ticket]:
    session.expire_all()
    return session.scalars(select(Call)).one(), session.scalars(select(Ticket)).one()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_simultaneous_ring_dials_a_group_at_once(
    make_app: Callable[..., Flask],
    session: Session,
    tmp_path: Path,
    clock: Clock,
    on_duty: Callable[[int], list[Volunteer]],
) -> None:
    app = make_app(
        ivr_flow_path=flow_with_routing(tmp_path, strategy="simultaneous", ring_group_size=2),
        clock=clock,
    )
    volunteers = on_duty(3)
    dials: list[ET.Element] = []
    talk = line(app, clock, dials).run(Caller(presses=["0"], volunteers=["no-answer", "answer"]))

    assert [[n.text for n in d.iter("Number")] for d in dials] == [
        [volunteers[0].mobile, volunteers[1].mobile],
        [volunteers[2].mobile],
    ]
    call, ticket = the_call(session)
    assert talk.connected
    assert call.answered_by_id == volunteers[2].id
    assert [link["group"] for link in call.chain] == [0, 0, 1]
    assert ticket.source is TicketSource.ANSWERED


def test_first_of_a_group_to_accept_wins(
    make_app: Callable[..., Flask],
    session: Session,
    tmp_path: Path,
    clock: Clock,
    on_duty: Callable[[int], list[Volunteer]],
) -> None:
    app = make_app(
        ivr_flow_path=flow_with_routing(tmp_path, strategy="simultaneous", ring_group_size=3),
        clock=clock,
    )
    volunteers = on_duty(3)
    dials: list[ET.Element] = []
    line(app, clock, dials).run(Caller(presses=["0"], volunteers=["answer"]))

    call, _ = the_call(session)
    assert len(dials) == 1 and len(list(dials[0].iter("Number"))) == 3
    assert (call.outcome, call.answered_by_id) == (CallOutcome.ANSWERED, volunteers[0].id)


def test_the_total_ring_limit_ends_the_hunt_in_voicemail(
    make_app: Callable[..., Flask],
    session: Session,
    clock: Clock,
    on_duty: Callable[[int], list[Volunteer]],
) -> None:
    app = make_app(ring_timeout_s=20, total_ring_limit_s=45, clock=clock)
    on_duty(5)
    dials: list[ET.Element] = []
    talk = line(app, clock, dials).run(Caller(presses=["0"], volunteers=["no-answer"]))

    # 20 s + 20 s rang, 5 s left: one short last ring, then voicemail; never ring forever.
    assert [d.get("timeout") for d in dials] == ["20", "20", "5"]
    assert len(talk.dialled) == 3
    call, ticket = the_call(session)
    assert call.voicemail_started_at is not None
    assert ticket.source is TicketSource.VOICEMAIL_EMPTY


def test_each_volunteer_is_tried_once_and_the_supervisor_last(
    make_app: Callable[..., Flask],
    session: Session,
    clock: Clock,
    on_duty: Callable[[int], list[Volunteer]],
) -> None:
    volunteers = on_duty(2)
    app = make_app(supervisor_fallback_number="+8613900000000", clock=clock)
    # The same volunteer on layers 1 and 3 is rung once.
    rota.add_override(
        session,
        volunteer_id=volunteers[0].id,
        starts_at=clock.now - timedelta(hours=1),
        ends_at=clock.now + timedelta(hours=1),
        layer=3,
    )
    session.commit()
    talk = line(app, clock, []).run(Caller(presses=["0"], volunteers=["busy"]))

    assert talk.dialled == [volunteers[0].mobile, volunteers[1].mobile, "+8613900000000"]


def test_a_rota_edit_mid_call_does_not_change_who_is_dialled(
    make_app: Callable[..., Flask],
    session: Session,
    clock: Clock,
    on_duty: Callable[[int], list[Volunteer]],
) -> None:
    app = make_app(clock=clock)
    volunteers = on_duty(2)
    newcomer = Volunteer(name="新来的", mobile="+8613800000999")
    session.add(newcomer)
    session.commit()
    edited: list[bool] = []

    def edit_rota_while_ringing(seconds: int) -> None:
        clock.ring(seconds)
        if not edited:
            rota.add_override(
                session,
                volunteer_id=newcomer.id,
                starts_at=clock.now - timedelta(hours=2),
                ends_at=clock.now + timedelta(hours=2),
                layer=2,
            )
            session.commit()
            edited.append(True)

    simulator = Simulator.for_app(app, echo=lambda _: None, on_ring=edit_rota_while_ringing)
    talk = simulator.run(Caller(presses=["0"], volunteers=["no-answer"]))

    assert edited
    assert talk.dialled == [volunteers[0].mobile, volunteers[1].mobile]
