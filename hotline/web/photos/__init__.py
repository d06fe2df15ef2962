"""Ticket photos on the web: shown and added on the ticket page (those who may see the
ticket), and the public page a technician's signed link opens (that ticket's photos only, until
the link expires). Every photo served and added is audited."""

from __future__ import annotations

from flask import Flask


def init_photo_pages(app: Flask) -> None:
    """Register the photo routes and the ticket page's photo panel."""
    from hotline.web.photos.routes import bound_upload_size, bp, ticket_photos

    app.register_blueprint(bp)
    app.add_template_global(ticket_photos, "ticket_photos")
    # Before CSRFProtect's check, which reads the request's form.
    app.before_request_funcs.setdefault(None, []).insert(0, bound_upload_size)
