"""Redelivered and reordered webhooks leave exactly the same rows, and never a second ticket."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.devtools.simulator import Caller, Simulator
from hotline.models import Call, CallEvent, Recording, Ticket, TicketCounter, Volunteer
from tests.conftest import wipe
from tests.helpers import SHORT_ZH

# Callbacks the carrier sends asynchronously: they may arrive in any order.
ASYNC_HOOKS = ("/voice/status", "/voice/recording-status", "/voice/recording")

Request = tuple[str, dict[str, str]]

SCENARIOS = {
    "answered": Caller(presses=["2", "1"], volunteers=["answer"]),
    "hunt then voicemail": Caller(
        presses=["0"], volunteers=["no-answer", "busy"], voicemail=SHORT_ZH
    ),
    "empty voicemail": Caller(presses=["4", "2"]),
    "abandoned": Caller(presses=["1"], hang_up_in_menu=True),
}


def snapshot(session: Session) -> dict[str, Any]:
    """Every row the call path writes, without surrogate ids and clocks."""
    session.expire_all()
    calls = [
        (
            c.call_sid,
            c.outcome,
            c.node_id,
            c.step,
            c.category_code,
            c.accepted_index,
            c.answered_by_id is not None,
            c.dial_index,
            len(c.chain),
            [p["input"] for p in c.path],
            c.ended_at is not None,
            c.voicemail_started_at is not None,
        )
        for c in session.scalars(select(Call).order_by(Call.call_sid))
    ]
    events = sorted(session.scalars(select(CallEvent.dedupe_key)))
    recordings = [
        (r.recording_sid, r.carrier_status, r.duration_s, r.status, r.url)
        for r in session.scalars(select(Recording).order_by(Recording.recording_sid))
    ]
    tickets = [
        (t.number, t.source, t.status, t.priority, t.recording_id is not None, t.summary)
        for t in session.scalars(select(Ticket).order_by(Ticket.number))
    ]
    counters = [(c.year, c.last) for c in session.scalars(select(TicketCounter))]
    return {
        "calls": calls,
        "events": events,
        "recordings": recordings,
        "tickets": tickets,
        "counters": counters,
    }


def record_requests(app: Flask, caller: Caller) -> list[Request]:
    """Run a call through the simulator and keep every request it sent."""
    simulator = Simulator.for_app(app, echo=lambda line: None)
    sent: list[Request] = []
    post = simulator._post

    def recording_post(url: str, params: dict[str, str]) -> str:
        sent.append((url, params))
        return post(url, params)

    simulator._post = recording_post
    simulator.run(caller)
    return sent


def deliver(app: Flask, requests: list[Request]) -> None:
    simulator = Simulator.for_app(app, echo=lambda line: None)
    for url, params in requests:
        simulator._post(url, params)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_webhook_delivered_twice_changes_nothing(
    app: Flask, session: Session, on_duty: Callable[[int], list[Volunteer]], scenario: str
) -> None:
    on_duty(2)
    requests = record_requests(app, SCENARIOS[scenario])
    before = snapshot(session)
    deliver(app, requests)
    assert snapshot(session) == before
    assert len(before["tickets"]) == 1


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_duplicated_and_shuffled_callbacks_give_the_same_rows(
    app: Flask,
    session: Session,
    on_duty: Callable[[int], list[Volunteer]],
    scenario: str,
    seed: int,
) -> None:
    on_duty(2)
    requests = record_requests(app, SCENARIOS[scenario])
    expected = snapshot(session)
    volunteers = [(v.name, v.mobile) for v in session.scalars(select(Volunteer))]
    wipe(app)
    on_duty(2)
    assert [(v.name, v.mobile) for v in session.scalars(select(Volunteer))] == volunteers

    # The interactive requests keep their causal order (the carrier waits for our TwiML);
    # each one is delivered twice, and the asynchronous callbacks are shuffled among
    # themselves, duplicated, and may come back before the recording action.
    rng = random.Random(seed)
    interactive = [r for r in requests if not r[0].endswith(ASYNC_HOOKS)]
    callbacks = [r for r in requests if r[0].endswith(ASYNC_HOOKS)] * 2
    rng.shuffle(callbacks)
    deliver(app, [r for r in interactive for _ in range(2)] + callbacks)

    assert snapshot(session) == expected
