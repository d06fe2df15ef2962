"""Every flow in ivr_flows/ passes the check, and each kind of broken flow is reported."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from hotline.ivr.loader import SCHEMA_PATH, load_flow, parse_flow
from hotline.ivr.model import Flow, FlowError, Language, Menu, Node, Option, Prompt, Say
from hotline.ivr.validate import check_file, check_flow

FLOWS_DIR = Path(__file__).resolve().parents[2] / "ivr_flows"
FLOW_FILES = sorted(FLOWS_DIR.glob("*.yaml"))


def test_flows_dir_holds_the_main_flow() -> None:
    assert FLOWS_DIR / "main.yaml" in FLOW_FILES


@pytest.mark.parametrize("path", FLOW_FILES, ids=lambda path: path.name)
def test_flow_file_passes_check(path: Path) -> None:
    assert check_file(path) == []


def test_schema_is_valid_json_schema() -> None:
    Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def test_main_flow_uses_exactly_the_hotline_categories() -> None:
    flow = load_flow(FLOWS_DIR / "main.yaml")
    categories = {
        option.category
        for node in flow.nodes.values()
        if isinstance(node, Menu)
        for option in node.options.values()
        if option.category
    }

    assert categories == {"water_electric", "pipe_network", "lockout", "complaint"}
    assert [(lang.code, lang.say_language) for lang in flow.languages] == [
        ("zh", "zh-CN"),
        ("en", "en-US"),
    ]


# A small flow that passes the check; each test below breaks one thing in it.


def both(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def pinned(code: str, text: str, **settings: object) -> dict[str, object]:
    """A prompt always said in `code` (speak_in), e.g. pinned("en", "For English, press 9.")."""
    return {code: text, "speak_in": code, **settings}


def with_offers(data: dict[str, Any]) -> None:
    """The menu as main.yaml has it: choices, then each language offered in its own voice."""
    menu = data["nodes"]["menu"]
    menu["prompt"] = [
        both("菜单", "Menu"),
        pinned("en", "For English, press 9.", only_for="zh"),
        pinned("zh", "中文服务请按8。", only_for=["en"]),
    ]
    menu["options"]["9"] = {"goto": "english"}
    menu["options"]["8"] = {"goto": "chinese", "only_for": "en"}
    data["nodes"]["english"] = {"type": "language", "language": "en", "next": "menu"}
    data["nodes"]["chinese"] = {"type": "language", "language": "zh", "next": "menu"}


def small_flow() -> dict[str, Any]:
    messages = {
        key: both(f"{key} 中文", f"{key} English")
        for key in (
            "connecting",
            "voicemail_intro",
            "nobody_available",
            "screening_declined",
            "error_apology",
            "goodbye",
            "voicemail_saved",
        )
    }
    messages["ticket_number"] = both("工单号 {digits}", "Ticket {digits}")
    messages["ticket_number_again"] = both("再说一遍 {digits}", "Again {digits}")
    messages["ticket_number_repeat"] = both("重听请按星号", "Press star to hear it again")
    messages["screening"] = both("{community} 居民，{category}", "{community} resident, {category}")
    return {
        "id": "main",
        "version": 1,
        "languages": [
            {"code": "zh", "say_language": "zh-CN"},
            {"code": "en", "say_language": "en-US"},
        ],
        "start": "menu",
        "nodes": {
            "menu": {
                "type": "menu",
                "prompt": both("菜单", "Menu"),
                "options": {
                    "1": {"goto": "talk", "category": "complaint"},
                    "2": {"goto": "message"},
                    "*": {"action": "repeat"},
                },
                "timeout_s": 5,
                "max_attempts": 3,
                "on_invalid": both("无效", "Invalid"),
                "on_exhausted": "message",
            },
            "talk": {"type": "transfer"},
            "message": {"type": "voicemail"},
        },
        "messages": messages,
    }


def write(tmp_path: Path, data: object, name: str = "main.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_small_flow_passes_check(tmp_path: Path) -> None:
    assert check_file(write(tmp_path, small_flow())) == []


def test_prompt_lists_pins_and_only_for_pass_check(tmp_path: Path) -> None:
    data = small_flow()
    with_offers(data)
    # Said only to Chinese callers, so it needs no English text.
    data["nodes"]["menu"]["on_invalid"] = [
        both("无效", "Invalid"),
        {"zh": "请再试", "only_for": "zh"},
    ]

    assert check_file(write(tmp_path, data)) == []


def test_prompt_list_loads_in_order_with_pins_and_only_for(tmp_path: Path) -> None:
    data = small_flow()
    with_offers(data)

    menu = load_flow(write(tmp_path, data)).nodes["menu"]

    assert isinstance(menu, Menu)
    assert menu.prompt == (
        Prompt(both("菜单", "Menu")),
        Prompt({"en": "For English, press 9."}, speak_in="en", only_for=frozenset({"zh"})),
        Prompt({"zh": "中文服务请按8。"}, speak_in="zh", only_for=frozenset({"en"})),
    )
    assert menu.options["8"] == Option(goto="chinese", only_for=frozenset({"en"}))
    assert menu.on_invalid == (Prompt(both("无效", "Invalid")),)
    assert menu.on_no_input == ()


def add_loop(data: dict[str, Any]) -> None:
    data["nodes"]["menu"]["options"]["3"] = {"goto": "loop_a"}
    data["nodes"]["loop_a"] = {"type": "say", "prompt": both("一", "one"), "next": "loop_b"}
    data["nodes"]["loop_b"] = {"type": "say", "prompt": both("二", "two"), "next": "loop_a"}


def add_menu_loop(data: dict[str, Any]) -> None:
    data["nodes"]["menu"]["options"]["3"] = {"goto": "trap"}
    data["nodes"]["trap"] = {
        **copy.deepcopy(data["nodes"]["menu"]),
        "options": {"1": {"goto": "menu_again"}},
        "on_exhausted": "trap",
    }
    data["nodes"]["menu_again"] = {"type": "say", "prompt": both("再", "again"), "next": "trap"}


def add_french(data: dict[str, Any]) -> None:
    data["nodes"]["menu"]["options"]["9"] = {"goto": "french"}
    data["nodes"]["french"] = {"type": "language", "language": "fr", "next": "menu"}


def set_in(*path_and_value: Any) -> Callable[[dict[str, Any]], None]:
    *path, value = path_and_value

    def mutate(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def delete(*path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


BROKEN = [
    pytest.param(
        set_in("nodes", "menu", "options", "1", "goto", "nowhere"),
        "menu: option '1' goes to 'nowhere', which is not a node",
        id="unknown-option-target",
    ),
    pytest.param(
        set_in("nodes", "menu", "on_exhausted", "nowhere"),
        "menu: on_exhausted goes to 'nowhere', which is not a node",
        id="unknown-exhausted-target",
    ),
    pytest.param(set_in("start", "nowhere"), "start: 'nowhere' is not a node", id="unknown-start"),
    pytest.param(
        set_in("nodes", "hello", {"type": "say", "prompt": both("你好", "Hi"), "next": "gone"}),
        "hello: next goes to 'gone', which is not a node",
        id="unknown-next",
    ),
    pytest.param(
        delete("nodes", "menu", "on_invalid"),
        "menu: the menu needs on_invalid (what to say after a wrong key)",
        id="menu-without-on-invalid",
    ),
    pytest.param(
        delete("nodes", "menu", "timeout_s"),
        "menu: the menu needs timeout_s (seconds to wait for a key)",
        id="menu-without-timeout",
    ),
    pytest.param(
        delete("nodes", "menu", "on_exhausted"),
        "menu: the menu needs on_exhausted (where to go after repeated failures)",
        id="menu-without-on-exhausted",
    ),
    pytest.param(
        set_in("nodes", "orphan", {"type": "hangup"}),
        "orphan: unreachable: nothing leads here from the start node",
        id="unreachable-node",
    ),
    pytest.param(
        add_loop,
        "loop_a: loop with no exit through loop_a, loop_b: "
        "it never reaches a transfer, voicemail or hangup",
        id="say-loop",
    ),
    pytest.param(
        add_menu_loop,
        "trap: loop with no exit through trap, menu_again: "
        "it never reaches a transfer, voicemail or hangup",
        id="menu-loop",
    ),
    pytest.param(
        delete("nodes", "menu", "prompt", "en"),
        "menu: prompt has no 'en' text",
        id="prompt-missing-language",
    ),
    pytest.param(
        delete("nodes", "menu", "on_invalid", "zh"),
        "menu: on_invalid has no 'zh' text",
        id="on-invalid-missing-language",
    ),
    pytest.param(
        set_in("nodes", "menu", "prompt", "fr", "Menu"),
        "menu: prompt has text for 'fr', not one of the flow's languages",
        id="prompt-extra-language",
    ),
    pytest.param(
        delete("messages", "goodbye", "en"),
        "goodbye: message has no 'en' text",
        id="message-missing-language",
    ),
    pytest.param(
        set_in("messages", "screening", "en", "A resident is calling about {category}"),
        "screening: placeholders differ between languages: "
        "zh has {category}, {community}; en has {category}",
        id="placeholders-differ",
    ),
    pytest.param(
        set_in("messages", "screening", "zh", "{name} 居民，{category} {community}"),
        "screening: unknown placeholder {name} (this message can use: {category}, {community})",
        id="unknown-placeholder",
    ),
    pytest.param(
        set_in("messages", "ticket_number", "zh", "工单号 {digits"),
        "ticket_number: zh text: stray '{' or '}': write {{ or }} for a literal brace",
        id="stray-brace",
    ),
    pytest.param(
        set_in("messages", "ticket_number", "audio", {"zh": "https://example.org/t.mp3"}),
        "ticket_number: audio cannot say {digits}: remove the audio or the placeholder",
        id="audio-with-placeholder",
    ),
    pytest.param(
        delete("messages", "connecting"),
        "connecting: required message is missing (the calls domain says it)",
        id="required-message-missing",
    ),
    pytest.param(
        add_french,
        "french: language 'fr' is not one of the flow's languages",
        id="language-node-unknown-language",
    ),
    pytest.param(
        set_in("id", "other"),
        "id: 'other' does not match the file name main.yaml",
        id="id-not-file-name",
    ),
    pytest.param(
        set_in("nodes", "menu", "prompt", [both("菜单", "Menu"), {"zh": "按9", "speak_in": "en"}]),
        "menu: prompt[1] has no 'en' text (it is pinned to 'en' with speak_in)",
        id="pinned-prompt-without-its-language",
    ),
    pytest.param(
        set_in("nodes", "menu", "prompt", [both("菜单", "Menu"), pinned("fr", "Tapez 7.")]),
        "menu: prompt[1] is pinned to 'fr' (speak_in), not one of the flow's languages",
        id="pinned-to-unknown-language",
    ),
    pytest.param(
        set_in("nodes", "menu", "prompt", pinned("en", "Menu", zh="菜单")),
        "menu: prompt has text for 'zh' that is never said (speak_in: en)",
        id="pinned-prompt-with-other-text",
    ),
    pytest.param(
        set_in(
            "nodes",
            "menu",
            "prompt",
            [both("菜单", "Menu"), {**both("按", "Press"), "only_for": "fr"}],
        ),
        "menu: prompt[1] is only_for 'fr', not one of the flow's languages",
        id="prompt-only-for-unknown-language",
    ),
    pytest.param(
        set_in("nodes", "menu", "prompt", {**both("菜单", "Menu"), "only_for": "zh"}),
        "menu: the menu says nothing to callers in 'en'",
        id="menu-silent-in-a-language",
    ),
    pytest.param(
        set_in("nodes", "menu", "prompt", {**both("菜单", "Menu"), "only_for": "zh"}),
        "menu: prompt has text for 'en' that is never said (only_for: zh)",
        id="only-for-prompt-with-other-text",
    ),
    pytest.param(
        set_in("nodes", "menu", "options", "2", {"goto": "message", "only_for": ["en", "fr"]}),
        "menu: option '2' is only_for 'fr', not one of the flow's languages",
        id="option-only-for-unknown-language",
    ),
    pytest.param(
        set_in("nodes", "menu", "on_invalid", [both("无效", "Invalid"), {"zh": "请再试"}]),
        "menu: on_invalid[1] has no 'en' text",
        id="on-invalid-list-missing-language",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), BROKEN)
def test_broken_flow_is_reported(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], expected: str
) -> None:
    data = small_flow()
    mutate(data)

    assert expected in check_file(write(tmp_path, data))


SCHEMA_BROKEN = [
    pytest.param(
        set_in("nodes", "menu", "promt", both("菜单", "Menu")),
        "menu: Additional properties are not allowed ('promt' was unexpected)",
        id="misspelt-field",
    ),
    pytest.param(
        set_in("nodes", "talk", "type", "transfr"),
        "talk: type: 'transfr' is not one of "
        "['menu', 'say', 'transfer', 'voicemail', 'language', 'hangup', 'lookup']",
        id="unknown-type",
    ),
    pytest.param(
        set_in("nodes", "menu", "options", "2", {"goto": "message", "action": "repeat"}),
        "menu: options.2: an option needs either goto: <node> (with an optional category) "
        "or action: repeat, not both",
        id="option-goto-and-action",
    ),
    pytest.param(
        set_in("nodes", "menu", "options", "#", {"goto": "message"}),
        "menu: options: '#' is not allowed: one key: 0-9 or \"*\" (in quotes); # is not available",
        id="hash-key",
    ),
    pytest.param(
        delete("nodes", "menu", "prompt"),
        "menu: 'prompt' is a required property",
        id="menu-without-prompt",
    ),
    pytest.param(
        set_in("version", "one"), "version: 'one' is not of type 'integer'", id="version-text"
    ),
    pytest.param(
        set_in("nodes", "menu", "prompt", [both("菜单", "Menu"), {"en": "Nine", "speek_in": "en"}]),
        "menu: prompt[1]: 'speek_in' is not allowed: a prompt takes text per language code "
        "(zh: ..., en: ...) and optionally audio: {zh: URL}, speak_in: <code> (always said in "
        "that language) and only_for: <codes> (said only to callers in those languages)",
        id="misspelt-prompt-setting",
    ),
    pytest.param(
        set_in("nodes", "menu", "prompt", []),
        "menu: prompt: [] should be non-empty",
        id="empty-prompt-list",
    ),
    pytest.param(
        set_in("nodes", "menu", "prompt", [both("菜单", "Menu"), pinned("English", "Nine")]),
        "menu: prompt[1].speak_in: 'English' is not allowed: "
        "a two- or three-letter language code such as zh or en",
        id="pin-not-a-language-code",
    ),
    pytest.param(
        set_in("nodes", "menu", "options", "2", {"goto": "message", "only_for": "Chinese"}),
        "menu: options.2.only_for: a language code such as zh, or a list of them such as [zh, en]",
        id="only-for-not-a-language-code",
    ),
    pytest.param(
        set_in("messages", "goodbye", pinned("zh", "再见")),
        "goodbye: 'speak_in' is not allowed: a prompt takes text per language code "
        "(zh: ..., en: ...) and optionally audio: {zh: URL}, played instead of the text",
        id="pinned-message",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), SCHEMA_BROKEN)
def test_schema_problem_is_reported_readably(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], expected: str
) -> None:
    data = small_flow()
    mutate(data)

    assert expected in check_file(write(tmp_path, data))


def test_loop_is_reported_once_not_for_each_node_leading_into_it(tmp_path: Path) -> None:
    data = small_flow()
    add_loop(data)
    data["nodes"]["menu"]["options"]["3"] = {"goto": "lead_in"}
    data["nodes"]["lead_in"] = {"type": "say", "prompt": both("听", "Listen"), "next": "loop_b"}

    assert check_file(write(tmp_path, data)) == [
        "loop_a: loop with no exit through loop_a, loop_b: "
        "it never reaches a transfer, voicemail or hangup"
    ]


def test_schema_problems_come_before_any_semantic_check(tmp_path: Path) -> None:
    data = small_flow()
    del data["start"]

    assert check_file(write(tmp_path, data)) == ["flow: 'start' is a required property"]


def test_duplicate_digit_is_reported_with_its_lines(tmp_path: Path) -> None:
    path = write(tmp_path, small_flow())
    text = path.read_text(encoding="utf-8")
    option_two = "      '2':\n        goto: message\n"
    assert option_two in text
    path.write_text(text.replace(option_two, option_two * 2))

    first, second = [
        number
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line == "      '2':"
    ]

    assert check_file(path) == [f"menu: option '2' is given twice (lines {first} and {second})"]


def test_duplicate_node_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, small_flow())
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  message:\n", "  talk:\n    type: hangup\n  message:\n", 1))

    assert any(p.startswith("talk: defined twice in nodes (lines ") for p in check_file(path))


def test_unquoted_star_gets_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, small_flow())
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("'*':", "*:"))

    [problem] = check_file(path)

    assert problem.startswith("main.yaml: line ")
    assert problem.endswith('(write the star key in quotes: "*")')


def test_unquoted_digit_keys_are_read_as_digits(tmp_path: Path) -> None:
    path = write(tmp_path, small_flow())
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("'1':", "1:").replace("'2':", "2:"))

    assert check_file(path) == []
    menu = load_flow(path).nodes["menu"]
    assert isinstance(menu, Menu)
    assert list(menu.options) == ["1", "2", "*"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "main.yaml: the file is empty"),
        ("- just\n- a list\n", "flow: ['just', 'a list'] is not of type 'object'"),
        ("id: [unclosed\n", "main.yaml: line 2: "),
    ],
    ids=["empty", "not-a-mapping", "bad-yaml"],
)
def test_unusable_file_is_reported_not_raised(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "main.yaml"
    path.write_text(content, encoding="utf-8")

    problems = check_file(path)

    assert problems and problems[0].startswith(expected)


def test_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    [problem] = check_file(tmp_path / "nope.yaml")

    assert "nope.yaml" in problem and "cannot read" in problem


def test_load_flow_raises_with_every_problem(tmp_path: Path) -> None:
    data = small_flow()
    data["version"] = 0
    del data["nodes"]["talk"]["type"]

    with pytest.raises(FlowError) as excinfo:
        load_flow(write(tmp_path, data))

    assert excinfo.value.problems == (
        "version: 0 is less than the minimum of 1",
        "talk: 'type' is a required property",
    )


def test_load_flow_rejects_duplicate_digits(tmp_path: Path) -> None:
    path = tmp_path / "main.yaml"
    path.write_text(
        "id: main\nnodes:\n  menu:\n    options:\n      '1': {goto: a}\n      1: {goto: b}\n"
    )

    with pytest.raises(FlowError, match=r"menu: option '1' is given twice \(lines 5 and 6\)"):
        load_flow(path)


def test_load_flow_is_cached_until_the_file_changes(tmp_path: Path) -> None:
    path = write(tmp_path, small_flow())
    first = load_flow(path)

    assert load_flow(path) is first

    data = small_flow()
    data["version"] = 2
    write(tmp_path, data)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    assert load_flow(path).version == 2


def test_parse_flow_accepts_safe_load_data_with_int_keys() -> None:
    data = small_flow()
    options = data["nodes"]["menu"]["options"]
    options[1] = options.pop("1")

    menu = parse_flow(data).nodes["menu"]

    assert isinstance(menu, Menu) and menu.options["1"].goto == "talk"


def test_check_flow_on_a_flow_built_in_code() -> None:
    prompt = (Prompt({"zh": "你好"}),)
    flow_nodes: dict[str, Node] = {
        "a": Menu("a", prompt, {"1": Option(goto="b"), "2": Option()}),
        "b": Say("b", prompt, "a"),
    }
    flow = Flow("t", 1, (Language("zh", "zh-CN"),), "a", flow_nodes, {})

    problems = check_flow(flow)

    assert "a: option '2' needs either goto or action: repeat" in problems
    assert "a: the menu needs on_exhausted (where to go after repeated failures)" in problems
    assert (
        "a: loop with no exit through a, b: it never reaches a transfer, voicemail or hangup"
        in (problems)
    )
    assert "ticket_number: required message is missing (the calls domain says it)" in problems
