"""Why a rota change was refused: RotaError, its catalog marker N_, and the window check."""

from __future__ import annotations

from datetime import datetime


def N_(message: str) -> str:
    """Mark a RotaError message for the catalogs (pybabel extracts N_ by default)."""
    return message


class RotaError(ValueError):
    """A rota change that cannot be made: `message` (an English msgid) filled in with `params`.

    The domain imports no flask_babel, so messages are only marked with N_; str(error) is the
    English text (the CLI's), and the pages show gettext(error.message, **error.params).
    """

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def check_window(starts_at: datetime, ends_at: datetime | None) -> None:
    """Refuse a window that ends before (or as) it starts; None is open-ended."""
    if ends_at is not None and ends_at <= starts_at:
        raise RotaError(N_("the end must come after the start"))
