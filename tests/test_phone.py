"""Phone numbers as people type them, and as logs and pages show them."""

from __future__ import annotations

import pytest

from hotline.phone import mask_number, normalize_number


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("13800000001", "+8613800000001"),
        ("138 0000 0001", "+8613800000001"),
        ("+86 138-0000-0001", "+8613800000001"),
        ("008613800000001", "+8613800000001"),
        ("+85291234567", "+85291234567"),
        ("12345", None),
        ("+8612000000000", None),
    ],
)
def test_normalize_number(raw: str, number: str | None) -> None:
    assert normalize_number(raw) == number


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+8613800000001", "+86138****0001"),
        ("+85291234567", "+85291****4567"),
        ("1234567", "*******"),
    ],
)
def test_mask_number(number: str, masked: str) -> None:
    assert mask_number(number) == masked
