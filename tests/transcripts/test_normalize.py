"""normalize_text(): how recognised tokens are joined for each script."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transcripts import normalize_text


@pytest.mark.parametrize(
    ("tokens", "language", "expected"),
    [
        (["广州", "市", "房地产"], "zh", "广州市房地产"),
        (["3", "号", "楼"], "zh", "3号楼"),
        (["我", "住", "room", "302"], "zh", "我住room 302"),
        (["room", "302"], "zh", "room 302"),
        (["打", "110", "报警"], "zh", "打110报警"),
        (["안녕", "하세요"], "zh", "안녕 하세요"),
        (["안녕", "漢字"], "ko", "안녕 漢字"),
        (["go", "forward", "ten", "meters"], "en", "go forward ten meters"),
        (["你好", "世界"], "en", "你好世界"),
        (["  你好 ", "", "a  b"], "zh", "你好a b"),
        ([], "zh", ""),
    ],
)
def test_normalize_text(tokens: list[str], language: str, expected: str) -> None:
    assert normalize_text(tokens, language) == expected


def is_ideograph(char: str) -> bool:
    return unicodedata.name(char, "").startswith(("CJK UNIFIED", "CJK COMPATIBILITY IDEOGRAPH"))


tokens = st.lists(
    st.text(
        alphabet=st.one_of(
            st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
            st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),  # Hangul syllables
            st.sampled_from("abcXYZ0123456789 \t\u3000."),
        ),
        max_size=6,
    ),
    max_size=12,
)


@given(tokens, st.sampled_from(["zh", "en", "ja"]))
def test_no_double_spaces_and_no_space_between_ideographs(tokens: list[str], language: str) -> None:
    text = normalize_text(tokens, language)
    assert "  " not in text
    assert text == text.strip()
    assert not any(
        a == " " and is_ideograph(before) and is_ideograph(after)
        for before, a, after in zip(text, text[1:], text[2:], strict=False)
    )
    # Only whitespace is ever added or removed.
    assert "".join(text.split()) == "".join("".join(tokens).split())


@given(tokens)
def test_korean_joins_every_token_with_one_space(tokens: list[str]) -> None:
    assert normalize_text(tokens, "ko") == " ".join(" ".join(tokens).split())
