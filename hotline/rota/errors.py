"""Why a rota change was refused: RotaError (a Refused), and the window check."""

from __future__ import annotations

from datetime import datetime

from hotline.refusal import N_, Refused

__all__ = ["N_", "RotaError", "check_window"]


class RotaError(Refused):
    """A rota change that cannot be made."""


def check_window(starts_at: datetime, ends_at: datetime | None) -> None:
    """Refuse a window that ends before (or as) it starts; None is open-ended."""
    if ends_at is not None and ends_at <= starts_at:
        raise RotaError(N_("the end must come after the start"))
