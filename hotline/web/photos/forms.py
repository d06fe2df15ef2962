"""The ticket page's photo upload."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from hotline.web.dashboard.forms import Form

# What the file picker offers; phones convert their own formats (HEIC) to JPEG for it. The
# content decides what is accepted (hotline.photos.accept), never this or the file's name.
ACCEPT = "image/jpeg,image/png,image/webp"


class PhotoForm(Form):
    """One photo for the ticket (its size is bounded where it is read)."""

    photo = FileField(_l("Photo"), validators=[FileRequired()])
