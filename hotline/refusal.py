"""Why a domain refused a change: `Refused`, and `N_`, the catalog marker for its messages."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a refusal message for the catalogs (pybabel extracts N_ by default)."""
    return message


class Refused(ValueError):
    """A change that cannot be made: `message` (an English msgid) filled in with `params`.

    Domains import no flask_babel, so messages are only marked with N_; str(error) is the
    English text (the CLI's), and pages show gettext(error.message, **error.params).
    """

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params
