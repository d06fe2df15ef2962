"""The IVR engine on the real menu (ivr_flows/main.yaml) and on generated flows."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.ivr import engine
from hotline.ivr.engine import Ask, Connect, End, IvrState, Outcome, SpokenPrompt, TakeMessage
from hotline.ivr.loader import load_flow
from hotline.ivr.model import (
    Flow,
    FlowError,
    Hangup,
    Language,
    Menu,
    Node,
    Option,
    Prompt,
    Say,
    SetLanguage,
    Transfer,
    Voicemail,
)

MAIN = Path(__file__).resolve().parents[1] / "ivr_flows" / "main.yaml"
FLOW = load_flow(MAIN)


def menu_node(node_id: str) -> Menu:
    node = FLOW.nodes[node_id]
    assert isinstance(node, Menu)
    return node


MAIN_MENU = menu_node("main_menu")
SECOND_MENU = menu_node("talk_or_message")


def zh(prompt: Prompt | None) -> SpokenPrompt:
    """How the engine should speak a prompt of the flow in Chinese."""
    assert prompt is not None
    return SpokenPrompt(prompt.text["zh"], "zh-CN")


def en(prompt: Prompt | None) -> SpokenPrompt:
    """How the engine should speak a prompt of the flow in English."""
    assert prompt is not None
    return SpokenPrompt(prompt.text["en"], "en-US")


def at_main_menu(language: str = "zh", attempts: int = 0) -> IvrState:
    return IvrState("main_menu", language, attempts)


def press(state: IvrState, *inputs: str | None) -> Outcome:
    """Feed inputs one by one; every outcome but the last must be a menu."""
    outcome: Outcome | None = None
    for digits in inputs:
        outcome = engine.advance(FLOW, state, digits)
        if isinstance(outcome, Ask):
            state = outcome.state
    assert outcome is not None
    return outcome


def test_call_starts_with_greeting_then_main_menu() -> None:
    outcome = engine.start(FLOW)

    assert outcome == Ask(
        at_main_menu(),
        (zh(FLOW.nodes["greeting"].prompt), zh(MAIN_MENU.prompt)),
        num_digits=1,
        timeout_s=8,
    )
    assert outcome.prompts[0].text.startswith("您好，这里是社区党员关爱服务热线")


@pytest.mark.parametrize(
    ("digit", "category", "confirmation"),
    [
        ("1", "water_electric", "水电维修"),
        ("2", "pipe_network", "管网问题"),
        ("3", "lockout", "紧急开锁"),
        ("4", "complaint", "投诉或咨询"),
    ],
)
def test_category_choice_confirms_and_asks_talk_or_message(
    digit: str, category: str, confirmation: str
) -> None:
    outcome = engine.advance(FLOW, at_main_menu(), digit)

    assert isinstance(outcome, Ask)
    assert outcome.state == IvrState("talk_or_message", "zh", 0, category)
    assert confirmation in outcome.prompts[0].text
    assert outcome.prompts[1:] == (zh(SECOND_MENU.prompt),)


@pytest.mark.parametrize("category", ["water_electric", "pipe_network", "lockout", "complaint"])
@pytest.mark.parametrize(("digit", "kind"), [("1", Connect), ("2", TakeMessage)])
def test_second_menu_connects_or_takes_message_with_category(
    category: str, digit: str, kind: type[Connect | TakeMessage]
) -> None:
    outcome = engine.advance(FLOW, IvrState("talk_or_message", "zh", 0, category), digit)

    assert isinstance(outcome, kind)
    assert outcome.category == category
    assert outcome.state.category == category


def test_zero_connects_to_volunteer_without_category() -> None:
    outcome = engine.advance(FLOW, at_main_menu(), "0")

    assert outcome == Connect(IvrState("talk_to_volunteer", "zh"), None, ())


def test_full_path_from_start_to_message() -> None:
    outcome = engine.start(FLOW)
    assert isinstance(outcome, Ask)

    outcome = press(outcome.state, "2", "2")

    assert outcome == TakeMessage(
        IvrState("leave_message", "zh", 0, "pipe_network"), "pipe_network", ()
    )


@pytest.mark.parametrize("digit", ["5", "6", "7", "8", "#", "12", "x"])
def test_unknown_digit_replays_menu_after_invalid_prompt(digit: str) -> None:
    outcome = engine.advance(FLOW, at_main_menu(), digit)

    assert outcome == Ask(
        at_main_menu(attempts=1),
        (zh(MAIN_MENU.on_invalid), zh(MAIN_MENU.prompt)),
        num_digits=1,
        timeout_s=8,
    )


@pytest.mark.parametrize("silence", [None, "", " "])
def test_silence_replays_menu(silence: str | None) -> None:
    outcome = engine.advance(FLOW, at_main_menu(), silence)

    assert outcome == Ask(at_main_menu(attempts=1), (zh(MAIN_MENU.prompt),), 1, 8)


@pytest.mark.parametrize(
    "inputs", [("7", "7", "7"), (None, None, None), ("7", None, "5"), (None, "8", None)]
)
def test_three_failures_take_a_message(inputs: tuple[str | None, ...]) -> None:
    assert isinstance(press(at_main_menu(), *inputs[:2]), Ask)

    outcome = press(at_main_menu(), *inputs)

    assert isinstance(outcome, TakeMessage)
    assert outcome.category is None
    assert outcome.prompts == (zh(FLOW.nodes["no_choice_message"].prompt),)


def test_three_failures_at_second_menu_keep_category() -> None:
    outcome = press(IvrState("talk_or_message", "zh", 0, "lockout"), "9", None, "3")

    assert isinstance(outcome, TakeMessage)
    assert outcome.category == "lockout"


def test_star_repeats_menu_without_counting_a_failure() -> None:
    outcome = engine.advance(FLOW, at_main_menu(attempts=2), "*")

    assert outcome == Ask(at_main_menu(attempts=2), (zh(MAIN_MENU.prompt),), 1, 8)


def test_many_stars_never_exhaust_the_menu() -> None:
    outcome = press(at_main_menu(), "7", "7", *["*"] * 10)

    assert isinstance(outcome, Ask)
    assert outcome.state.attempts == 2
    assert isinstance(press(outcome.state, "7"), TakeMessage)


def test_valid_choice_resets_failed_attempts() -> None:
    outcome = press(at_main_menu(), "7", None, "1")

    assert isinstance(outcome, Ask)
    assert outcome.state == IvrState("talk_or_message", "zh", 0, "water_electric")


def test_nine_switches_to_english_menu() -> None:
    outcome = engine.advance(FLOW, at_main_menu(), "9")

    assert outcome == Ask(at_main_menu("en"), (en(MAIN_MENU.prompt),), 1, 8)


def test_after_english_every_prompt_is_english() -> None:
    outcome = press(at_main_menu(), "9", "7")
    assert isinstance(outcome, Ask)
    assert outcome.prompts == (en(MAIN_MENU.on_invalid), en(MAIN_MENU.prompt))

    outcome = press(outcome.state, "4")
    assert isinstance(outcome, Ask)
    assert outcome.prompts[0] == en(FLOW.nodes["confirm_complaint"].prompt)
    assert all(p.say_language == "en-US" for p in outcome.prompts)

    outcome = press(outcome.state, "1")
    assert outcome == Connect(IvrState("talk_to_volunteer", "en", 0, "complaint"), "complaint", ())


def test_start_in_a_given_language() -> None:
    outcome = engine.start(FLOW, "en")

    assert isinstance(outcome, Ask)
    assert outcome.state.language == "en"
    assert outcome.prompts[0].text.startswith("Hello")


def test_unknown_language_falls_back_to_default() -> None:
    outcome = engine.advance(FLOW, at_main_menu("fr"), "*")

    assert outcome == Ask(at_main_menu("zh"), (zh(MAIN_MENU.prompt),), 1, 8)


def test_resume_replays_menu_keeping_state() -> None:
    state = IvrState("talk_or_message", "en", 2, "lockout")

    assert engine.resume(FLOW, state) == Ask(state, (en(SECOND_MENU.prompt),), 1, 8)


@pytest.mark.parametrize("action", ["resume", "advance"])
def test_unknown_node_after_deploy_restarts_in_same_language(action: str) -> None:
    state = IvrState("node_removed_by_deploy", "en", 2, "lockout")

    if action == "resume":
        outcome = engine.resume(FLOW, state)
    else:
        outcome = engine.advance(FLOW, state, "1")

    assert outcome == engine.start(FLOW, "en")
    assert isinstance(outcome, Ask)
    assert outcome.state == at_main_menu("en")


def test_engine_is_deterministic() -> None:
    state = IvrState("talk_or_message", "zh", 1, "complaint")

    assert engine.advance(FLOW, state, "7") == engine.advance(FLOW, state, "7")
    assert engine.start(FLOW) == engine.start(FLOW)


def test_ticket_number_message_fills_digits() -> None:
    spoken = engine.message(FLOW, "ticket_number", "zh", digits="二 零 二 六，零 零 一")

    assert spoken == SpokenPrompt("您的工单号是 二 零 二 六，零 零 一。", "zh-CN")


def test_screening_message_fills_community_and_category_in_english() -> None:
    spoken = engine.message(FLOW, "screening", "en", community="Hillside", category="lock-out")

    assert spoken.say_language == "en-US"
    assert spoken.text == (
        "This is the community care hotline. A resident of Hillside is calling about lock-out."
        " To take the call, press 1."
    )


def test_message_without_placeholders_ignores_extra_params() -> None:
    assert engine.message(FLOW, "goodbye", "zh", digits="1") == SpokenPrompt(
        "感谢您的来电，再见。", "zh-CN"
    )


def test_unknown_message_raises_flow_error() -> None:
    with pytest.raises(FlowError, match="no_such_message"):
        engine.message(FLOW, "no_such_message", "zh")


def test_message_missing_param_raises_flow_error_not_key_error() -> None:
    with pytest.raises(FlowError, match="digits"):
        engine.message(FLOW, "ticket_number", "zh")


def test_braces_in_values_are_not_reformatted() -> None:
    spoken = engine.message(FLOW, "screening", "zh", community="{category}", category="{x}")

    assert "一位{category}的居民来电，事项：{x}。" in spoken.text


# Small flows built in code: what the engine does with a broken flow.

LANGS = (Language("zh", "zh-CN"), Language("en", "en-US"))


def p(text: str) -> Prompt:
    return Prompt({"zh": text, "en": text.upper()})


def flow_of(*nodes: Node, start: str = "a", messages: dict[str, Prompt] | None = None) -> Flow:
    return Flow("t", 1, LANGS, start, {n.id: n for n in nodes}, messages or {})


def test_say_loop_takes_a_message_with_apology() -> None:
    flow = flow_of(
        Say("a", p("one"), "b"),
        Say("b", p("two"), "a"),
        messages={"error_apology": p("sorry")},
    )

    outcome = engine.start(flow)

    assert isinstance(outcome, TakeMessage)
    assert [s.text for s in outcome.prompts] == ["one", "two", "sorry"]


def test_option_to_missing_node_takes_a_message() -> None:
    menu = Menu("a", p("menu"), {"1": Option(goto="gone")}, 5, 3, p("bad"), None, "a")

    outcome = engine.advance(flow_of(menu), IvrState("a", "zh"), "1")

    assert outcome == TakeMessage(IvrState("gone", "zh"), None, ())


def test_audio_prompt_is_played_in_its_language() -> None:
    prompt = Prompt({"zh": "你好", "en": "hi"}, {"en": "https://example.org/hi.mp3"})
    flow = flow_of(SetLanguage("a", "en", "b"), Say("b", prompt, "c"), Hangup("c"))

    outcome = engine.start(flow)

    assert outcome == End(
        IvrState("c", "en"), (SpokenPrompt("hi", "en-US", "https://example.org/hi.mp3"),)
    )


def test_prompt_missing_a_language_falls_back_to_default_voice() -> None:
    flow = flow_of(Say("a", Prompt({"zh": "只有中文"}), "b"), Transfer("b"))

    outcome = engine.start(flow, "en")

    assert outcome == Connect(IvrState("b", "en"), None, (SpokenPrompt("只有中文", "zh-CN"),))


# Properties.

KEYS = st.one_of(st.none(), st.sampled_from([*"0123456789*#", "", "12", "x"]))


def assert_well_formed(flow: Flow, outcome: Outcome) -> None:
    """What the calls domain relies on for every outcome."""
    if isinstance(outcome, Ask):
        menu = flow.nodes[outcome.state.node_id]
        assert isinstance(menu, Menu)
        assert outcome.prompts
        assert outcome.state.attempts < menu.max_attempts
        assert outcome.num_digits == 1 and outcome.timeout_s > 0
    # Every prompt of main.yaml has both languages: all of them come in the caller's language.
    assert outcome.state.language in {lang.code for lang in flow.languages}
    say_language = flow.say_language(outcome.state.language)
    assert all(s.say_language == say_language and s.text for s in outcome.prompts)


@settings(max_examples=300)
@given(st.lists(KEYS, max_size=40))
def test_main_flow_never_raises_and_asks_are_well_formed(inputs: list[str | None]) -> None:
    outcome = engine.start(FLOW)
    for digits in inputs:
        assert_well_formed(FLOW, outcome)
        if not isinstance(outcome, Ask):
            break
        outcome = engine.advance(FLOW, outcome.state, digits)
    assert_well_formed(FLOW, outcome)


FAILURES = st.one_of(st.none(), st.sampled_from(["", "5", "6", "7", "8", "#", "x"]))


@given(st.lists(st.one_of(FAILURES, st.just("*")), min_size=20, max_size=20), st.booleans())
def test_failures_end_in_a_message_within_max_attempts(
    inputs: list[str | None], english: bool
) -> None:
    """Stars may repeat a menu forever, but three failures in a row always leave it."""
    outcome = engine.start(FLOW, "en" if english else "zh")
    failures = 0
    for digits in inputs:
        assert isinstance(outcome, Ask)
        outcome = engine.advance(FLOW, outcome.state, digits)
        failures += digits != "*"
        if failures == MAIN_MENU.max_attempts:
            assert isinstance(outcome, TakeMessage)
            return
    assert isinstance(outcome, Ask)


NODE_IDS = ["a", "b", "c", "d", "e"]
TARGETS = st.sampled_from([*NODE_IDS, "missing"])
LANGUAGE_CODES = st.sampled_from(["zh", "en", "fr"])


@st.composite
def prompts(draw: st.DrawFn) -> Prompt:
    codes = draw(st.lists(st.sampled_from(["zh", "en"]), min_size=1, unique=True))
    return Prompt({code: f"{code} words" for code in codes})


@st.composite
def nodes(draw: st.DrawFn, node_id: str) -> Node:
    kind = draw(st.sampled_from(["menu", "say", "language", "transfer", "voicemail", "hangup"]))
    if kind == "menu":
        options = draw(
            st.dictionaries(
                st.sampled_from(list("0123456789*")),
                st.one_of(
                    st.builds(Option, goto=TARGETS, category=st.sampled_from([None, "lockout"])),
                    st.just(Option(action="repeat")),
                    st.just(Option()),
                ),
            )
        )
        return Menu(
            node_id,
            draw(prompts()),
            options,
            draw(st.one_of(st.none(), st.integers(1, 10))),
            draw(st.integers(0, 4)),
            draw(st.one_of(st.none(), prompts())),
            draw(st.one_of(st.none(), prompts())),
            draw(st.one_of(st.none(), TARGETS)),
        )
    if kind == "say":
        return Say(node_id, draw(prompts()), draw(TARGETS))
    if kind == "language":
        prompt = draw(st.one_of(st.none(), prompts()))
        return SetLanguage(node_id, draw(LANGUAGE_CODES), draw(TARGETS), prompt)
    prompt = draw(st.one_of(st.none(), prompts()))
    if kind == "transfer":
        return Transfer(node_id, prompt)
    if kind == "voicemail":
        return Voicemail(node_id, prompt)
    return Hangup(node_id, prompt)


@st.composite
def flows(draw: st.DrawFn) -> Flow:
    built = [draw(nodes(node_id)) for node_id in NODE_IDS]
    messages = draw(st.sampled_from([{}, {"error_apology": p("sorry")}]))
    return flow_of(*built, start=draw(TARGETS), messages=messages)


@settings(max_examples=300)
@given(flows(), st.lists(KEYS, max_size=25), st.one_of(st.none(), LANGUAGE_CODES))
def test_any_flow_never_raises(flow: Flow, inputs: list[str | None], language: str | None) -> None:
    """Even a flow that fails the check (loops, missing targets) never makes the engine raise."""
    outcome = engine.start(flow, language)
    for digits in inputs:
        if not isinstance(outcome, Ask):
            break
        assert outcome.prompts
        assert isinstance(flow.nodes[outcome.state.node_id], Menu)
        assert engine.resume(flow, outcome.state) == Ask(
            outcome.state, outcome.prompts[-1:], outcome.num_digits, outcome.timeout_s
        )
        outcome = engine.advance(flow, outcome.state, digits)
