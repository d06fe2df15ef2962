"""The review page's form: the corrected text, the version it corrects, and what to do next."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, Length, Optional, Regexp

from hotline.review.voicemail import MAX_TEXT_CHARS
from hotline.web.dashboard.forms import Form

SAVE = "save"
SAVE_AND_NEXT = "next"


class CorrectionForm(Form):
    """A supervisor's correction; `base` is the version on screen when they started."""

    text = TextAreaField(_l("Transcript"), validators=[Length(max=MAX_TEXT_CHARS)])
    base = HiddenField(validators=[Optional(), Regexp(r"^[0-9]{1,10}$")])
    action = HiddenField(default=SAVE, validators=[AnyOf([SAVE, SAVE_AND_NEXT])])

    @property
    def base_id(self) -> int | None:
        """The corrected version's transcript id (None: there was no transcript)."""
        value = str(self.base.data or "")
        return int(value) if value else None
