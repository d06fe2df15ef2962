"""Lookup nodes: the engine asks a function it is given (pure: no database here), by the
caller's number or by keyed digits; the flow check holds lookup nodes to their contract."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from hotline.ivr import engine
from hotline.ivr.engine import Ask, End, IvrState, SpokenPrompt
from hotline.ivr.model import Flow, Hangup, Language, Lookup, Prompt
from hotline.ivr.validate import check_file
from tests.ivr.test_flows import both, small_flow, write

LANGS = (Language("zh", "zh-CN"), Language("en", "en-US"))


def p(zh: str, en: str) -> Prompt:
    return Prompt({"zh": zh, "en": en})


FOUND = (p("工单 {ref}，{status}", "Ticket {ref} {status}"),)
BY_CALLER = Lookup("mine", "ticket_status", "caller", FOUND, next="bye", not_found="keyed")
KEYED = Lookup(
    "keyed",
    "ticket_status",
    "keys",
    FOUND,
    next="bye",
    prompt=(p("请输入", "Key it in"),),
    max_digits=6,
    timeout_s=10,
    max_attempts=2,
    on_not_found=(p("没有找到", "Not found"),),
    on_no_input=(p("没有输入", "Nothing keyed"),),
    on_exhausted="sorry",
)
FLOW = Flow(
    "t",
    1,
    LANGS,
    "mine",
    {
        n.id: n
        for n in (
            BY_CALLER,
            KEYED,
            Hangup("bye", (p("再见", "Bye"),)),
            Hangup("sorry", (p("抱歉", "Sorry"),)),
        )
    },
    {},
)


class Tickets:
    """A lookup over a few tickets: the caller's own, and references."""

    def __init__(self, mine: str | None = None, refs: Mapping[str, str] | None = None) -> None:
        self.mine = mine
        self.refs = dict(refs or {})
        self.asked: list[tuple[str, str | None, str]] = []

    def __call__(self, name: str, keys: str | None, language: str) -> Mapping[str, str] | None:
        self.asked.append((name, keys, language))
        ref = self.mine if keys is None else (keys if keys in self.refs else None)
        if ref is None:
            return None
        return {"ref": ref, "status": self.refs.get(ref, "open")}


def texts(outcome: Any) -> list[str]:
    return [spoken.text for spoken in outcome.prompts]


def test_the_callers_own_ticket_is_said_without_asking() -> None:
    tickets = Tickets(mine="4821", refs={"4821": "进行中"})

    outcome = engine.start(FLOW, lookup=tickets)

    assert outcome == End(
        IvrState("bye", "zh"),
        (SpokenPrompt("工单 4821，进行中", "zh-CN"), SpokenPrompt("再见", "zh-CN")),
    )
    assert tickets.asked == [("ticket_status", None, "zh")]


def test_nothing_found_by_number_asks_for_the_digits() -> None:
    outcome = engine.start(FLOW, "en", lookup=Tickets())

    assert outcome == Ask(IvrState("keyed", "en"), (SpokenPrompt("Key it in", "en-US"),), 6, 10)


def test_keyed_digits_are_looked_up_in_the_callers_language() -> None:
    tickets = Tickets(refs={"5678": "resolved"})

    outcome = engine.advance(FLOW, IvrState("keyed", "en"), "5678", tickets)

    assert texts(outcome) == ["Ticket 5678 resolved", "Bye"]
    assert tickets.asked == [("ticket_status", "5678", "en")]


@pytest.mark.parametrize(
    ("keys", "notice"), [("9999", "没有找到"), ("", "没有输入"), (None, "没有输入")]
)
def test_a_wrong_number_or_silence_asks_again_counting_a_failure(
    keys: str | None, notice: str
) -> None:
    outcome = engine.advance(FLOW, IvrState("keyed", "zh"), keys, Tickets())

    assert outcome == Ask(
        IvrState("keyed", "zh", attempts=1),
        (SpokenPrompt(notice, "zh-CN"), SpokenPrompt("请输入", "zh-CN")),
        6,
        10,
    )


def test_failures_up_to_max_attempts_go_on_exhausted() -> None:
    outcome = engine.advance(FLOW, IvrState("keyed", "zh", attempts=1), "0000", Tickets())

    assert texts(outcome) == ["抱歉"]


def test_resume_at_the_digits_asks_again() -> None:
    outcome = engine.resume(FLOW, IvrState("keyed", "zh"), Tickets())

    assert isinstance(outcome, Ask) and outcome.state == IvrState("keyed", "zh")


def test_without_a_lookup_nothing_is_ever_found() -> None:
    assert isinstance(engine.start(FLOW), Ask)


def with_lookups(
    data: dict[str, Any], changes: Mapping[tuple[str, str], Any] | None = None
) -> dict[str, Any]:
    data["nodes"]["menu"]["options"]["5"] = {"goto": "mine"}
    data["nodes"]["mine"] = {
        "type": "lookup",
        "lookup": "ticket_status",
        "by": "caller",
        "found": both("工单 {ref}，{status}", "Ticket {ref} {status}"),
        "next": "menu",
        "not_found": "keyed",
    }
    data["nodes"]["keyed"] = {
        "type": "lookup",
        "lookup": "ticket_status",
        "by": "keys",
        "prompt": both("请输入", "Key it in"),
        "timeout_s": 10,
        "found": both("工单 {ref}", "Ticket {ref}"),
        "next": "menu",
        "on_not_found": both("没有找到", "Not found"),
        "on_exhausted": "menu",
    }
    for (node, field), value in (changes or {}).items():
        if value is None:
            del data["nodes"][node][field]
        else:
            data["nodes"][node][field] = value
    return data


def test_lookup_nodes_pass_the_check(tmp_path: Path) -> None:
    assert check_file(write(tmp_path, with_lookups(small_flow()))) == []


@pytest.mark.parametrize(
    ("node", "field", "value", "expected"),
    [
        ("mine", "not_found", None, "mine: a lookup by caller needs not_found"),
        ("keyed", "on_not_found", None, "keyed: a lookup by keys needs on_not_found"),
        ("keyed", "on_exhausted", None, "keyed: a lookup by keys needs on_exhausted"),
        ("keyed", "timeout_s", None, "keyed: a lookup by keys needs timeout_s"),
        ("keyed", "prompt", None, "keyed: a lookup by keys needs a prompt"),
        (
            "mine",
            "found",
            both("工单 {ticket}", "Ticket {ticket}"),
            "mine: found has unknown placeholder {ticket} (it can use: {ref}, {status})",
        ),
        (
            "mine",
            "found",
            both("工单 {ref}", "Ticket {ref} {status}"),
            "mine: found: placeholders differ between languages",
        ),
        ("mine", "found", {"zh": "工单 {ref}"}, "mine: found has no 'en' text"),
        ("mine", "next", "nowhere", "mine: next goes to 'nowhere', which is not a node"),
        ("keyed", "lookup", "weather", "keyed: lookup: 'weather' is not one of ['ticket_status']"),
    ],
)
def test_a_broken_lookup_node_is_reported(
    tmp_path: Path, node: str, field: str, value: Any, expected: str
) -> None:
    data = with_lookups(small_flow(), {(node, field): value})

    problems = check_file(write(tmp_path, data))

    assert any(problem.startswith(expected) for problem in problems), problems
