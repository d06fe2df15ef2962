"""Whole calls for the tickets' tests: the same volunteers on duty and simulator as tests/calls."""

from tests.calls.conftest import categories, on_duty, simulator  # noqa: F401
