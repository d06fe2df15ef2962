"""Signed, expiring links to a ticket's photos for the technician's job SMS: anyone holding the
link sees that ticket's photos, and only until it expires. The link carries the ticket's id and
its expiry, signed with the app's secret (itsdangerous), so nothing is stored to check it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, Signer

from hotline.settings import Settings

# The public page a link opens (hotline.web.photos); the token follows it.
PATH = "/p/"
# The longest token accepted: a signature (27 characters) and two numbers.
TOKEN_MAX = 80
_SALT = "hotline.photos.link"


@dataclass(frozen=True)
class PhotoLinks:
    """Makes and checks the links: the secret, the public base URL and how long one works."""

    secret: str
    base_url: str
    lifetime: timedelta

    @classmethod
    def of(cls, settings: Settings) -> PhotoLinks:
        """The links as configured (HOTLINE_SECRET_KEY, _PUBLIC_BASE_URL, _PHOTO_LINK_HOURS)."""
        return cls(
            settings.secret_key,
            settings.public_base_url,
            timedelta(hours=settings.photo_link_hours),
        )

    def _signer(self) -> Signer:
        return Signer(self.secret, salt=_SALT)

    def token(self, ticket_id: int, now: datetime) -> str:
        """A token for ticket `ticket_id`, working until `now` + the lifetime."""
        expires = int((now + self.lifetime).timestamp())
        return self._signer().sign(f"{ticket_id}.{expires}").decode()

    def url(self, ticket_id: int, now: datetime) -> str:
        """The absolute link to ticket `ticket_id`'s photos, working until `now` + lifetime."""
        return f"{self.base_url}{PATH}{self.token(ticket_id, now)}"

    def ticket_id(self, token: str, now: datetime) -> int | None:
        """The ticket a token names, if it is signed by us and has not expired; else None."""
        if len(token) > TOKEN_MAX:
            return None
        try:
            value = self._signer().unsign(token).decode()
        except (BadSignature, UnicodeDecodeError):
            return None
        ticket, _sep, expires = value.partition(".")
        if not (ticket.isdigit() and expires.isdigit()):
            return None
        if datetime.fromtimestamp(int(expires), UTC) <= now:
            return None
        return int(ticket)
