"""Photos of a ticket's problem (issue 14): checked by content and re-encoded without metadata
(`accept`), stored beside the recordings and served only to those who may see the ticket
(`store`), and signed, expiring links for the technician's job SMS (`links`)."""

from __future__ import annotations

from hotline.photos.accept import (
    MAX_EDGE,
    MAX_PIXELS,
    PhotoRefused,
    ProcessedPhoto,
    accept_photo,
    too_large,
)
from hotline.photos.links import PhotoLinks
from hotline.photos.store import (
    MAX_PER_TICKET,
    StoredPhoto,
    add_photo,
    attach_photo,
    has_photos,
    photos_of,
    shared_photos,
    view_photo,
    view_shared_photo,
)

__all__ = [
    "MAX_EDGE",
    "MAX_PER_TICKET",
    "MAX_PIXELS",
    "PhotoLinks",
    "PhotoRefused",
    "ProcessedPhoto",
    "StoredPhoto",
    "accept_photo",
    "add_photo",
    "attach_photo",
    "has_photos",
    "photos_of",
    "shared_photos",
    "too_large",
    "view_photo",
    "view_shared_photo",
]
