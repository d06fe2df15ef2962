"""The voicemail review pages: the queue (supervisors and admins), one voicemail's page (its
player, timed transcript, corrections and their diffs), its audio served to those who may see
its ticket, the header's counts and the player on the ticket page."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from hotline.extensions import db_session
from hotline.models import Role
from hotline.review import voicemail
from hotline.web.review.routes import bp, ticket_voicemail

SUPERVISORS = frozenset({Role.ADMIN, Role.SUPERVISOR})


def init_review_pages(app: Flask) -> None:
    """Register the review blueprint, the header's counts and the ticket page's player."""
    app.register_blueprint(bp)
    app.context_processor(_review_counts)
    app.add_template_global(ticket_voicemail, "ticket_voicemail")


def _review_counts() -> dict[str, object]:
    """`review_counts` for the header: unreviewed and urgent voicemails (supervisors only)."""
    if not current_user.is_authenticated or current_user.role not in SUPERVISORS:
        return {"review_counts": None}
    return {"review_counts": voicemail.queue_counts(db_session())}
