"""The public page's forms: every field bounded, every POST with a CSRF token and a honeypot
(a field people never see, so only a robot fills it)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from hotline.online import my_tickets, submission
from hotline.online.verification import CODE_DIGITS
from hotline.web.dashboard.forms import Form

NUMBER_CHARS = 20
MAX_PHOTOS = 3


class PublicForm(Form):
    """A public form: `website` is the honeypot, hidden by CSS and skipped by screen readers."""

    website = StringField(validators=[Optional(), Length(max=100)])

    def is_robot(self) -> bool:
        """Whether the honeypot was filled in."""
        return bool(self.website.data)


class NumberForm(PublicForm):
    """The resident's mobile number."""

    number = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=NUMBER_CHARS)])


class CodeForm(PublicForm):
    """The code texted to the number."""

    code = StringField(
        _l("Code from the SMS"),
        validators=[
            DataRequired(),
            Length(max=CODE_DIGITS + 4),
            Regexp(r"^\s*\d{6}\s*$", message=_l("The code is 6 digits.")),
        ],
    )


class ReportForm(PublicForm):
    """What the problem is and where."""

    category = RadioField(_l("What kind of problem"), validators=[InputRequired()])
    community = SelectField(_l("Community"), validators=[InputRequired()])
    address = StringField(
        _l("Address (building, unit, room)"),
        validators=[DataRequired(), Length(max=submission.ADDRESS_CHARS)],
    )
    description = TextAreaField(
        _l("What is wrong"),
        validators=[DataRequired(), Length(max=submission.DESCRIPTION_CHARS)],
    )
    photos = MultipleFileField(_l("Photos (up to 3)"))

    def set_choices(
        self, categories: list[tuple[str, str]], communities: list[tuple[str, str]]
    ) -> None:
        """The active categories and the communities, as (value, label) pairs."""
        self.category.choices = [SelectChoice(value, label) for value, label in categories]
        self.community.choices = [
            SelectChoice("", str(_l("Choose your community"))),
            *(SelectChoice(value, label) for value, label in communities),
        ]

    def report(self) -> submission.Report:
        """The validated report."""
        return submission.Report(
            category_id=int(self.category.data),
            community_id=int(self.community.data),
            address=self.address.data or "",
            description=self.description.data or "",
        )

    def validate_photos(self, field: Any) -> None:
        """At most MAX_PHOTOS files."""
        chosen = [f for f in field.data or [] if getattr(f, "filename", "")]
        if len(chosen) > MAX_PHOTOS:
            raise ValidationError(_l("At most 3 photos."))


class NoteForm(PublicForm):
    """A note from the resident on their ticket."""

    note = TextAreaField(
        _l("Add a note"), validators=[DataRequired(), Length(max=my_tickets.NOTE_CHARS)]
    )


class PhotoForm(PublicForm):
    """One more photo on a ticket."""

    photos = MultipleFileField(_l("Add photos"))


class ConfirmForm(PublicForm):
    """The resident says it is fixed and rates the work."""

    score = RadioField(
        _l("How satisfied are you?"),
        choices=[SelectChoice(str(n), str(n)) for n in range(5, 0, -1)],
        validators=[InputRequired()],
    )
