"""Rota page forms; times are typed in the line's local time (the views make them instants)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from hotline.models import Rotation
from hotline.rota import RotationSettings, label_of
from hotline.rota.cadence import wall, weekday_mask
from hotline.rota.people import FOUND, MAX_FOUND
from hotline.web.dashboard.forms import Form, QueryForm

WEEKDAYS = [
    SelectChoice(str(n), label)
    for n, label in enumerate(
        [_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun")]
    )
]
LOCAL_INPUT = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
# A person typed or picked ("王芳 #12", a name or a mobile), and a rotation's member lines.
PERSON_TEXT = 120
MEMBERS_TEXT = 100 * PERSON_TEXT


class RotationForm(Form):
    """A new rotation: members in order, one per line (picked, a name or a mobile)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    layer = IntegerField(_l("Layer"), default=1, validators=[NumberRange(min=1, max=9)])
    shift_hours = IntegerField(
        _l("Shift length (hours)"), default=24, validators=[NumberRange(min=1, max=24 * 28)]
    )
    handoff = TimeField(_l("Handoff time"), default=time(8, 0), validators=[DataRequired()])
    starts = DateTimeLocalField(_l("Starts"), format=LOCAL_INPUT, validators=[DataRequired()])
    ends = DateTimeLocalField(_l("Ends"), format=LOCAL_INPUT, validators=[Optional()])
    weekdays = SelectMultipleField(
        _l("Only on"),
        choices=WEEKDAYS,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    hours_from = TimeField(_l("Only from"), validators=[Optional()])
    hours_to = TimeField(_l("Only until"), validators=[Optional()])
    members = TextAreaField(
        _l("Members, in order (one name or mobile per line)"),
        validators=[DataRequired(), Length(max=MEMBERS_TEXT)],
    )

    def validate_hours_to(self, field: Any) -> None:
        """Both ends of the daily hours, or neither."""
        if (self.hours_from.data is None) != (field.data is None):
            raise ValidationError(_l("Give both ends of the hours, or neither."))

    def weekday_mask(self) -> int | None:
        """The weekday restriction; None when no day (or every day) is ticked."""
        days = [int(d) for d in self.weekdays.data or []]
        return weekday_mask(days) if days and len(days) < 7 else None

    def hours(self) -> tuple[time, time] | None:
        """The daily hours restriction, if any."""
        if self.hours_from.data is None or self.hours_to.data is None:
            return None
        return self.hours_from.data, self.hours_to.data

    def member_lines(self) -> list[str]:
        """The member lines, blank ones dropped."""
        return [line.strip() for line in (self.members.data or "").splitlines() if line.strip()]


class RotationEditForm(RotationForm):
    """A rotation's new settings, from a given moment (empty: now); unticked Active ends it."""

    starts = None  # a rotation's start is history; changes take effect from `effective`
    effective = DateTimeLocalField(
        _l("Changes take effect (empty: now)"), format=LOCAL_INPUT, validators=[Optional()]
    )
    active = BooleanField(_l("Active"), default=True)

    def fill(self, rotation: Rotation, tz: ZoneInfo) -> None:
        """Show a rotation's current settings, members as picks in their order."""
        self.name.data = rotation.name
        self.layer.data = rotation.layer
        self.shift_hours.data = rotation.shift_hours
        self.handoff.data = rotation.handoff_time
        self.ends.data = wall(rotation.ends_at, tz) if rotation.ends_at else None
        mask = rotation.weekdays or 0
        self.weekdays.data = [str(n) for n in range(7) if mask >> n & 1]
        self.hours_from.data = rotation.hours_from
        self.hours_to.data = rotation.hours_to
        self.members.data = "\n".join(label_of(m.volunteer) for m in rotation.members)
        self.active.data = True

    def changes(self, member_ids: list[int], ends_at: datetime | None) -> RotationSettings:
        """The settings typed in, with the members found and the end as an instant."""
        return RotationSettings(
            name=self.name.data,
            member_ids=member_ids,
            layer=self.layer.data,
            shift_hours=self.shift_hours.data,
            handoff_time=self.handoff.data,
            ends_at=ends_at,
            weekdays=self.weekday_mask(),
            hours=self.hours(),
            active=self.active.data,
        )


class OverrideForm(Form):
    """A volunteer covering a layer for a window."""

    volunteer = StringField(_l("Volunteer"), validators=[DataRequired(), Length(max=PERSON_TEXT)])
    layer = IntegerField(_l("Layer"), default=1, validators=[NumberRange(min=1, max=9)])
    starts = DateTimeLocalField(_l("Starts"), format=LOCAL_INPUT, validators=[DataRequired()])
    ends = DateTimeLocalField(_l("Ends"), format=LOCAL_INPUT, validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])


class LeaveForm(Form):
    """A volunteer's own leave: a window away from the rota."""

    starts = DateTimeLocalField(_l("Starts"), format=LOCAL_INPUT, validators=[DataRequired()])
    ends = DateTimeLocalField(_l("Ends"), format=LOCAL_INPUT, validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])


class VolunteerLeaveForm(LeaveForm):
    """Leave for any volunteer, picked by name or mobile (supervisors)."""

    volunteer = StringField(_l("Volunteer"), validators=[DataRequired(), Length(max=PERSON_TEXT)])


class EndForm(Form):
    """When a rotation stops (empty: now)."""

    at = DateTimeLocalField(_l("Ends"), format=LOCAL_INPUT, validators=[Optional()])


class ActionForm(Form):
    """A button that changes something: only the CSRF token, and an optional note."""

    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class OfferForm(Form):
    """Offer (part of) one of my shifts; the window comes from the shift's button."""

    layer = IntegerField(validators=[NumberRange(min=1, max=9)])
    starts = StringField(validators=[DataRequired()])
    ends = StringField(validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])

    def window(self) -> tuple[datetime, datetime] | None:
        """The offered window as instants, or None if the fields were tampered with."""
        try:
            starts = datetime.fromisoformat(self.starts.data)
            ends = datetime.fromisoformat(self.ends.data)
        except ValueError:
            return None
        if starts.tzinfo is None or ends.tzinfo is None:
            return None
        return starts, ends


class CalendarForm(QueryForm):
    """Which stretch of the calendar to show."""

    view = SelectField(
        _l("View"),
        choices=[SelectChoice("week", _l("Week")), SelectChoice("month", _l("Month"))],
        default="week",
    )
    start = DateField(_l("Start date"), validators=[Optional()])


class CoverageForm(QueryForm):
    """How many days ahead to check."""

    days = IntegerField(_l("Days"), default=30, validators=[Optional(), NumberRange(1, 366)])


class PeriodForm(QueryForm):
    """A period of whole local days, both ends included."""

    date_from = DateField(_l("Start date"), validators=[Optional()])
    date_to = DateField(_l("End date"), validators=[Optional()])

    def validate_date_to(self, field: Any) -> None:
        """The period must not end before it starts."""
        start: date | None = self.date_from.data
        if start is not None and field.data is not None and field.data < start:
            raise ValidationError(_l("The end date is before the start date."))


class PeopleQueryForm(QueryForm):
    """A picker's search: what was typed so far, and how many people to answer."""

    q = StringField(validators=[Optional(), Length(max=PERSON_TEXT)])
    limit = StringField(default="")
    technicians = BooleanField(default=False)  # technicians too (the assign panel)

    def how_many(self) -> int:
        """The number asked for, clamped to 1..MAX_FOUND (junk: the default)."""
        text = self.limit.data or ""
        wanted = int(text) if text.isdecimal() and len(text) < 4 else FOUND
        return min(max(wanted, 1), MAX_FOUND)
