"""Reading technicians' and residents' SMS: a pure function, every way people type."""

from __future__ import annotations

import pytest

from hotline.dispatch.sms import Command, Score, Verb, parse, verb_of

ACCEPT, DONE, DECLINE = Verb.ACCEPT, Verb.DONE, Verb.DECLINE


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Chinese, as the job SMS teaches.
        ("接 1234", Command(ACCEPT, "1234")),
        ("完成 1234 换了水龙头", Command(DONE, "1234", "换了水龙头")),
        ("退 1234", Command(DECLINE, "1234")),
        # English, any case.
        ("ACCEPT 1234", Command(ACCEPT, "1234")),
        ("accept 1234", Command(ACCEPT, "1234")),
        ("Done 1234 replaced the fuse", Command(DONE, "1234", "replaced the fuse")),
        ("decline 1234 too far", Command(DECLINE, "1234", "too far")),
        # No space, or extra and ideographic spaces, tabs and line breaks.
        ("接1234", Command(ACCEPT, "1234")),
        ("  接   1234  ", Command(ACCEPT, "1234")),
        ("接\u30001234", Command(ACCEPT, "1234")),
        ("完成\t1234\n已修好", Command(DONE, "1234", "已修好")),
        # Full-width digits, letters, colon and spaces.
        ("接 １２３４", Command(ACCEPT, "1234")),
        ("ＡＣＣＥＰＴ　１２３４", Command(ACCEPT, "1234")),
        ("完成：１２３４，水管已换", Command(DONE, "1234", "水管已换")),
        # Decorations around verb and number.
        ("接单 #1234", Command(ACCEPT, "1234")),
        ("接单1234号", Command(ACCEPT, "1234")),
        ("完成工单 1234号 已处理", Command(DONE, "1234", "已处理")),
        ("DONE ticket 1234: fixed", Command(DONE, "1234", "fixed")),
        ("DONE: 1234 - fixed", Command(DONE, "1234", "fixed")),
        # The full number (any dash) and a bare sequence.
        ("接 2026-000123", Command(ACCEPT, "2026-000123")),
        ("接 2026－000123", Command(ACCEPT, "2026-000123")),
        ("接 2026—000123", Command(ACCEPT, "2026-000123")),
        ("退 123", Command(DECLINE, "123")),
        # Typos: pinyin homophones, and one slip in the English verbs.
        ("街 1234", Command(ACCEPT, "1234")),
        ("节 1234", Command(ACCEPT, "1234")),
        ("玩成 1234 好了", Command(DONE, "1234", "好了")),
        ("完城 1234", Command(DONE, "1234")),
        ("推 1234", Command(DECLINE, "1234")),
        ("acept 1234", Command(ACCEPT, "1234")),
        ("accpet 1234", Command(ACCEPT, "1234")),
        ("acceptt 1234", Command(ACCEPT, "1234")),
        ("axcept 1234", Command(ACCEPT, "1234")),
        ("delcine 1234", Command(DECLINE, "1234")),
        ("declne 1234", Command(DECLINE, "1234")),
        ("doen 1234", Command(DONE, "1234")),
        ("don 1234", Command(DONE, "1234")),
        # Scores.
        ("5", Score(5)),
        ("１", Score(1)),
        (" 3分 ", Score(3)),
        ("4星！", Score(4)),
        ("2 stars", Score(2)),
    ],
)
def test_commands_and_scores_are_read(body: str, expected: Command | Score) -> None:
    assert parse(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   ",
        "你好",
        "接",  # no ticket
        "ACCEPT",
        "1234",  # a number alone is no command
        "6",  # not a score
        "0",
        "55",
        "吃饭 1234",  # not a verb
        "dance 1234",  # two letters off "done"... and every other verb
        "acceptable 1234",  # more than one letter off
        "gone 1234",
        "accept 1234-",
    ],
)
def test_anything_else_is_not_understood(body: str) -> None:
    assert parse(body) is None


@pytest.mark.parametrize(
    ("word", "verb"),
    [
        ("ACCEPT", ACCEPT),
        ("accep", ACCEPT),
        ("decilne", DECLINE),
        ("DECLINED", DECLINE),
        ("reject", DECLINE),
        ("完工", DONE),
        ("accept #", ACCEPT),
        ("ok", ACCEPT),
        ("decide", None),
        ("except", None),
        ("", None),
    ],
)
def test_verbs_with_typos(word: str, verb: Verb | None) -> None:
    assert verb_of(word) is verb
