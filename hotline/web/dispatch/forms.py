"""Talent pool forms: a technician, the assign panel, a CSV upload."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from hotline.dispatch.assignment import NOTE_CHARS
from hotline.web.dashboard.forms import Form
from hotline.web.rota.forms import PERSON_TEXT


class TechnicianForm(Form):
    """A technician: name, mobile, skills (categories) and the communities they serve."""

    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=100)])
    mobile = StringField(_l("Mobile"), validators=[DataRequired(), Length(max=32)])
    skills = SelectMultipleField(
        _l("Skills"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    communities = SelectMultipleField(
        _l("Communities served"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    active = BooleanField(_l("Active"), default=True)


class AssignForm(Form):
    """The ticket page's assign panel: a technician from the list ("t:ID", or a volunteer
    "v:ID"), or anyone by name or number (which wins when filled in), and a note."""

    assignee = SelectField(_l("Assign to"), validators=[Optional()], validate_choice=False)
    person = StringField(
        _l("Or anyone by name or number"), validators=[Optional(), Length(max=PERSON_TEXT)]
    )
    note = StringField(
        _l("Note for the technician"), validators=[Optional(), Length(max=NOTE_CHARS)]
    )

    def chosen(self) -> tuple[int | None, int | None]:
        """(technician id, volunteer id), one of them set; (None, None) if unreadable."""
        kind, _, raw = str(self.assignee.data or "").partition(":")
        if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 9):
            return None, None
        if kind == "t":
            return int(raw), None
        if kind == "v":
            return None, int(raw)
        return None, None


class ImportForm(Form):
    """A CSV file of technicians."""

    file = FileField(_l("CSV file"), validators=[FileRequired()])


class ToggleForm(Form):
    """A button: only the CSRF token."""
