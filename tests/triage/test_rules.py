"""Triage rules: loading and its errors, and classify on the shipped Mandarin defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.tickets.intake import CATEGORIES
from hotline.triage import (
    RULES_PATH,
    Rules,
    RulesError,
    check_file,
    classify,
    load_rules,
    normalise,
)

CODES = {row[0] for row in CATEGORIES}


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(RULES_PATH, CODES)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD_RULE = """\
  - name: gas
    reason: 燃气泄漏
    priority: urgent
    category: pipe_network
    escalate: true
    phrases: [燃气]
"""


def test_the_shipped_rules_are_valid() -> None:
    assert check_file(RULES_PATH, CODES) == []


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        (GOOD_RULE.replace("pipe_network", "plumbing"), "unknown category code 'plumbing'"),
        (GOOD_RULE.replace("[燃气]", "[燃气, '  ']"), "rules[0] (gas): phrases[1] is empty"),
        (
            GOOD_RULE.replace("[燃气]", "[燃气, 燃 气]"),
            "duplicate phrase '燃 气' (twice in this rule)",
        ),
        (
            GOOD_RULE.replace("urgent", "high"),
            "rules[0] (gas): priority 'high' must be urgent or normal",
        ),
        (GOOD_RULE.replace("    escalate: true\n", ""), "'escalate' is a required property"),
        (
            GOOD_RULE + "    except: [水费]\n",
            "except[0] '水费' contains none of the rule's phrases",
        ),
    ],
)
def test_each_kind_of_mistake_is_reported_clearly(tmp_path: Path, rule: str, problem: str) -> None:
    path = write(tmp_path, "version: 1\nrules:\n" + rule)
    problems = check_file(path, CODES)
    assert any(problem in line for line in problems), problems
    with pytest.raises(RulesError) as caught:
        load_rules(path, CODES)
    assert any(problem in line for line in caught.value.problems)


def test_a_phrase_in_two_rules_is_a_duplicate(tmp_path: Path) -> None:
    second = GOOD_RULE.replace("name: gas", "name: gas_again").replace("[燃气]", "[ＡＢ, 燃气]")
    problems = check_file(write(tmp_path, "version: 1\nrules:\n" + GOOD_RULE + second), CODES)
    assert problems == ["rules[1] (gas_again): duplicate phrase '燃气' (also in rule 'gas')"]


def test_not_yaml_and_empty_files_are_reported(tmp_path: Path) -> None:
    assert check_file(write(tmp_path, ""), CODES) == ["the file is empty"]
    assert check_file(write(tmp_path, "rules: [\n"), CODES)[0].startswith("not valid YAML")


def test_load_reads_an_edited_file_again(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nrules:\n" + GOOD_RULE)
    assert classify("有燃气味", load_rules(path, CODES)) is not None
    path.write_text(
        "version: 1\nrules:\n" + GOOD_RULE.replace("[燃气]", "[煤气味道]"), encoding="utf-8"
    )
    assert classify("有燃气味", load_rules(path, CODES)) is None


@pytest.mark.parametrize(
    ("text", "rule", "phrase"),
    [
        ("厨房里燃气味很重", "gas", "燃气"),
        ("楼道里有煤气味", "gas", "煤气"),
        ("好像漏气了", "gas", "漏气"),
        ("天然气管子在响", "gas", "天然气"),
        ("三楼着火了", "fire", "着火"),
        ("发生火灾了", "fire", "火灾"),
        ("充电器冒烟了", "fire", "冒烟"),
        ("插座烧起来了", "fire", "烧起来"),
        ("我被困在电梯里", "trapped", "被困"),
        ("孩子困在电梯里了", "trapped", "困在电梯"),
        ("老人在屋里出不去", "trapped", "出不去"),
        ("楼上漏水了", "flooding", "漏水"),
        ("水管爆了", "flooding", "水管爆"),
        ("地下室淹了", "flooding", "淹了"),
        ("家里老人摔倒了起不来", "hurt", "老人摔倒"),
        ("有人晕倒在路边", "hurt", "晕倒"),
        ("整栋楼停电了", "power", "停电"),
    ],
)
def test_each_default_rule_matches_its_phrases(
    rules: Rules, text: str, rule: str, phrase: str
) -> None:
    match = classify(text, rules)
    assert match is not None and (match.rule.name, match.phrase) == (rule, phrase)


@pytest.mark.parametrize(
    "text",
    [
        "我想问一下燃气费怎么交",
        "这个月水费太贵了",
        "明天的火车票在哪里买",
        "电梯广告太吵了",
        "自行车轮胎漏气了",
        "我被困扰了很久，楼上太吵",
        "小区火灾隐患排查什么时候做",
        "我家老人差点摔倒了，想装个扶手",
        "",
    ],
)
def test_near_misses_match_nothing(rules: Rules, text: str) -> None:
    assert classify(text, rules) is None


def test_an_exception_covers_only_its_own_occurrence(rules: Rules) -> None:
    text = "燃气费交过了，可是厨房又有燃气味"
    match = classify(text, rules)
    assert match is not None and match.rule.name == "gas"
    assert match.position == text.rindex("燃气")  # the second one: the first is a bill


def test_vosk_spacing_and_full_width_are_folded(rules: Rules) -> None:
    spaced = classify("厨 房 里 燃 气 味 道 很 大", rules)
    assert spaced is not None and spaced.phrase == "燃气"
    assert classify("燃 气 费 怎 么 交", rules) is None  # the exception is folded the same way
    assert normalise("ＡＢＣ　１２３\u200b x") == "abc123x"


def test_the_strongest_match_wins(rules: Rules) -> None:
    # normal (power) first in the text, urgent escalating (gas) later: gas wins.
    match = classify("停电了，而且闻到煤气味", rules)
    assert match is not None and match.rule.name == "gas" and match.escalate
    # urgent but not escalating (flooding) loses to escalating (fire).
    match = classify("楼上漏水，电线冒烟了", rules)
    assert match is not None and match.rule.name == "fire"
    match = classify("楼上漏水了", rules)
    assert match is not None and match.priority == "urgent" and not match.escalate
    assert match.category == "water_electric"
