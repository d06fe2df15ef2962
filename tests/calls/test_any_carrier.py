"""Any TwiML carrier: every document the line can produce uses only the verbs and attributes
that Twilio, SignalWire and Somleng all document (hotline/telephony/twiml_allowlist.yaml),
except call screening (<Number url>), which Somleng lacks: with HOTLINE_CARRIER_SCREENING=false
the line forwards without it, and then every document runs on every carrier."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import get_args

import pytest
import yaml
from click.testing import Result
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import calls
from hotline.devtools.simulator import Caller, Simulator
from hotline.ivr.loader import load_flow
from hotline.models import Call, CallOutcome, Ticket, TicketSource, Volunteer
from hotline.telephony.carriers import common, profiles
from hotline.verbs import (
    Dial,
    DialNumber,
    Gather,
    Hangup,
    Hook,
    Play,
    Record,
    Redirect,
    Reply,
    Say,
    Verb,
)
from hotline.web.voice.routes import LAST_RESORT
from hotline.web.voice.twiml import render, spoken_alert
from tests.helpers import PUBLIC_BASE_URL, SHORT_ZH, configure

EVERY_CARRIER = common(profiles().values())
# Somleng's <Dial> rings a <Number> and bridges at once: no screening URL on the callee's leg.
# Only the screening mode (the default) writes them.
KNOWN_GAPS = {
    "every carrier does not support attribute 'url' on <Number>",
    "every carrier does not support attribute 'method' on <Number>",
}

SCREENED = Dial(
    (DialNumber("+8613800000100", Hook("screen", {"call": "CA1", "idx": 0})),),
    Hook("dial", {"idx": 0}),
    20,
    caller_id="+8657100000000",
)
# Every verb, and every way the renderer writes one (optional fields set and not).
EVERY_VERB: Reply = (
    Say("您好", "zh-CN"),
    Say("hello", "en-US", "Polly.Joanna"),
    Play("https://example.org/greeting-zh.mp3"),
    Gather(
        Hook("gather", {"step": 0}), (Say("菜单", "zh-CN"), Play("https://example.org/m.mp3")), 1, 5
    ),
    Gather(Hook("reference", {"then": "go"}), (), 6, 8),
    Redirect(Hook("gather", {"step": 0})),
    Dial((DialNumber("+8613800000101"),), Hook("callback_dial", {"id": 1}), 30),
    Dial((DialNumber("+8613800000102"),), Hook("dial", {"idx": 1}), 20, caller_id="+8657100000000"),
    Record(Hook("recording"), Hook("recording_status"), 180),
    Hangup(),
)


def problems(document: str, screening: bool = True) -> list[str]:
    """What some carrier would refuse in `document`; screening's known gap excused if on."""
    return [p for p in EVERY_CARRIER.problems(document) if not (screening and p in KNOWN_GAPS)]


def test_the_allowlist_names_its_sources_and_the_three_carriers() -> None:
    assert sorted(profiles()) == ["signalwire", "somleng", "twilio"]
    for profile in profiles().values():
        assert profile.sources and all(s.startswith("https://") for s in profile.sources)


def test_every_verb_the_renderer_writes_runs_on_every_carrier() -> None:
    assert {type(verb) for verb in EVERY_VERB} == set(get_args(Verb))
    documents = [
        render(EVERY_VERB, PUBLIC_BASE_URL),
        render(LAST_RESORT, PUBLIC_BASE_URL),
        render((), PUBLIC_BASE_URL),  # bridge the screened volunteer; status callbacks
        spoken_alert("紧急提醒。", "zh-CN", "Polly.Zhiyu"),
        spoken_alert("urgent.", "en-US"),
    ]
    for document in documents:
        assert problems(document, screening=False) == [], document


def test_screening_is_the_one_gap_and_it_is_somlengs() -> None:
    document = render((SCREENED,), PUBLIC_BASE_URL)

    assert sorted(EVERY_CARRIER.problems(document)) == sorted(KNOWN_GAPS)
    assert profiles()["twilio"].problems(document) == []
    assert profiles()["signalwire"].problems(document) == []
    assert sorted(profiles()["somleng"].problems(document)) == [
        "somleng does not support attribute 'method' on <Number>",
        "somleng does not support attribute 'url' on <Number>",
    ]


@pytest.fixture
def documents(app: Flask) -> Iterator[tuple[Simulator, list[str]]]:
    """A simulator whose every answer from the line is kept."""
    simulator = Simulator.for_app(app, echo=lambda line: None)
    kept: list[str] = []
    post = simulator._post

    def keeping(url: str, params: dict[str, str]) -> str:
        answer = post(url, params)
        if answer.strip():
            kept.append(answer)
        return answer

    simulator._post = keeping
    yield simulator, kept


def walks(seed: int, count: int) -> list[Caller]:
    """Callers pressing keys at random (silence too), meeting every kind of volunteer."""
    rng = random.Random(seed)
    keys: list[str | None] = [*"0123456789*", None]
    return [
        Caller(
            # The same caller again (a ticket to find by their number), or a new one.
            from_number=rng.choice(["+8613800000001", f"+86139{rng.randrange(10**8):08d}"]),
            presses=[rng.choice(keys) for _ in range(rng.randint(1, 7))],
            volunteers=[rng.choice(["answer", "no-answer", "busy", "voicemail"]) for _ in range(3)],
            voicemail=rng.choice([SHORT_ZH, None]),
            hang_up_in_menu=rng.random() < 0.2,
            repeat_reference=rng.choice([0, 1]),
            keyed=[rng.choice(["1234", "99", "2026000001"])],
        )
        for _ in range(count)
    ]


@pytest.fixture(params=[True, False], ids=["screening", "no-screening"])
def screening(request: pytest.FixtureRequest, app: Flask, monkeypatch: pytest.MonkeyPatch) -> bool:
    """The line with call screening (the default) and without (HOTLINE_CARRIER_SCREENING)."""
    configure(app, monkeypatch, carrier_screening=request.param)
    return bool(request.param)


@pytest.fixture(params=["sequential", "simultaneous"])
def routing(
    request: pytest.FixtureRequest, app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> str:
    """The line's flow with each routing strategy."""
    config = app.extensions["hotline.settings"]
    data = yaml.safe_load(Path(config.ivr_flow_path).read_text(encoding="utf-8"))
    data["routing"] = {"strategy": request.param, "ring_group_size": 2}
    path = tmp_path / "flow.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    configure(app, monkeypatch, ivr_flow_path=path)
    return str(request.param)


def test_every_document_of_whole_calls_runs_on_every_carrier(
    app: Flask,
    session: Session,
    on_duty: Callable[[int], list[Volunteer]],
    documents: tuple[Simulator, list[str]],
    routing: str,
    screening: bool,
) -> None:
    on_duty(3)
    simulator, kept = documents
    for caller in walks(seed=12, count=40):
        simulator.run(caller)

    assert kept
    for document in kept:
        assert problems(document, screening) == [], document
    # Every node of the flow spoke in some call (nodes without a prompt only pass through).
    flow = load_flow(app.extensions["hotline.settings"].ivr_flow_path)
    spoken = " ".join(e.text or "" for d in kept for e in ET.fromstring(d).iter("Say"))
    unheard = [
        node_id
        for node_id, node in flow.nodes.items()
        if node.prompt
        and not any(
            text.partition("{")[0].strip() in spoken for text in node.prompt[0].text.values()
        )
    ]
    assert unheard == []
    tags = {element.tag for document in kept for element in ET.fromstring(document).iter()}
    assert tags >= {"Say", "Gather", "Redirect", "Dial", "Number", "Record", "Hangup"}
    screened = any(n.get("url") for d in kept for n in ET.fromstring(d).iter("Number"))
    assert screened is screening


@pytest.mark.parametrize("broken", ["handler", "flow"])
def test_error_replies_run_on_every_carrier(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    documents: tuple[Simulator, list[str]],
    tmp_path: Path,
    categories: None,
    broken: str,
) -> None:
    if broken == "handler":

        def fail(*args: object, **kwargs: object) -> Reply:
            raise RuntimeError("a bug")

        monkeypatch.setattr(calls, "gather", fail)
    else:
        configure(app, monkeypatch, ivr_flow_path=tmp_path / "missing.yaml")
    simulator, kept = documents

    # The caller hangs up at the beep (with the flow unusable, every answer is that apology).
    simulator.run(Caller(presses=["1"]))

    assert any(ET.fromstring(d).find("Record") is not None for d in kept)
    for document in kept:
        assert problems(document) == [], document


def simulate(app: Flask, *args: str) -> Result:
    with app.app_context():
        return app.test_cli_runner().invoke(args=["hotline", "simulate-call", *args])


@pytest.mark.parametrize("carrier", ["twilio", "signalwire"])
def test_the_simulator_plays_a_screened_call_on_carriers_that_screen(
    app: Flask, on_duty: Callable[[int], list[Volunteer]], carrier: str
) -> None:
    on_duty(1)

    result = simulate(app, "--press", "0", "--volunteer", "answer", "--carrier", carrier)

    assert result.exit_code == 0, result.output
    assert "connected: caller and volunteer talk" in result.stdout
    assert "Ticket: 2026-" in result.stdout


def test_with_screening_on_the_somleng_profile_refuses_it_naming_the_attribute(
    app: Flask, on_duty: Callable[[int], list[Volunteer]]
) -> None:
    on_duty(1)

    result = simulate(app, "--press", "0", "--volunteer", "answer", "--carrier", "somleng")

    assert result.exit_code == 1
    assert "Error: the carrier refuses the line's answer at https://" in result.stderr
    assert "somleng does not support attribute 'url' on <Number>" in result.stderr
    assert "run the line with HOTLINE_CARRIER_SCREENING=false" in result.stderr


@pytest.mark.parametrize("volunteers", [["answer"], ["no-answer", "busy", "answer"]])
def test_the_somleng_profile_walks_a_forwarded_call_without_screening(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    session: Session,
    on_duty: Callable[[int], list[Volunteer]],
    volunteers: list[str],
) -> None:
    rung = on_duty(3)
    configure(app, monkeypatch, carrier_screening=False)
    behaviour = [arg for v in volunteers for arg in ("--volunteer", v)]

    result = simulate(app, "--press", "0", *behaviour, "--carrier", "somleng")

    assert result.exit_code == 0, result.output
    assert result.stdout.count("ringing volunteer") == len(volunteers)
    assert "connected: caller and volunteer talk" in result.stdout
    assert "Ticket: 2026-" in result.stdout
    session.expire_all()
    call = session.scalars(select(Call)).one()
    assert call.outcome is CallOutcome.ANSWERED
    assert call.answered_by_id == rung[len(volunteers) - 1].id
    assert session.scalars(select(Ticket)).one().source is TicketSource.ANSWERED


def test_without_screening_a_personal_voicemail_takes_the_call(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    session: Session,
    on_duty: Callable[[int], list[Volunteer]],
) -> None:
    """The trade-off the README states: a voicemail that picks up within the ring timeout is
    bridged like the volunteer, and the line cannot tell them apart."""
    rung = on_duty(2)
    configure(app, monkeypatch, carrier_screening=False)

    result = simulate(app, "--press", "0", "--volunteer", "voicemail", "--carrier", "somleng")

    assert result.exit_code == 0, result.output
    assert "the volunteer's voicemail answers and takes the call" in result.stdout
    assert "(beep) caller records a message" not in result.stdout
    session.expire_all()
    call = session.scalars(select(Call)).one()
    assert (call.outcome, call.answered_by_id) == (CallOutcome.ANSWERED, rung[0].id)


def test_the_somleng_profile_plays_the_menu_and_voicemail(app: Flask, categories: None) -> None:
    result = simulate(app, "--press", "0", "--carrier", "somleng")  # nobody on duty: voicemail

    assert result.exit_code == 0, result.output
    assert "(beep) caller records a message" in result.stdout
