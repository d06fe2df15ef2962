"""Dashboard forms: every POST form carries a CSRF token; GET filter forms validate the query."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from hotline.accounts import LOCALES
from hotline.models import Priority, TicketStatus
from hotline.review import TicketFilter
from hotline.tickets.workflow import ADDRESS_CHARS, NOTE_CHARS
from hotline.web.dashboard import paging


# flask_wtf ships no type information; this is the one place its base class is named.
class Form(FlaskForm):  # type: ignore[misc]
    """A form with Flask-WTF's CSRF token and WTForms messages in the page's language."""


class LoginForm(Form):
    """Username and password."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class LanguageForm(Form):
    """The language switch in the page header."""

    lang = StringField(validators=[InputRequired(), AnyOf(LOCALES)])
    next = HiddenField()


class QueryForm(Form):
    """A GET form read from the query string: it changes nothing, so it needs no CSRF token."""

    class Meta:
        csrf = False

    # Never a validation error: a bad page number shows page 1 (see paging.page_number).
    page = StringField(_l("Page"), default="")

    @property
    def page_number(self) -> int:
        """The page asked for, clamped to 1..MAX_PAGE."""
        return paging.page_number(self.page.data)


def _optional_id(value: str) -> int | None:
    return int(value) if value else None


class TicketFilterForm(QueryForm):
    """Narrow the ticket list by status, category, community, creation days and assignee."""

    status = SelectField(_l("Status"), default="")
    category = SelectField(_l("Category"), default="")
    community = SelectField(_l("Community"), default="")
    date_from = DateField(_l("Created from"), validators=[Optional()])
    date_to = DateField(_l("Created until"), validators=[Optional()])
    mine = BooleanField(_l("Assigned to me"))

    def set_choices(
        self,
        statuses: list[tuple[str, str]],
        categories: list[tuple[str, str]],
        communities: list[tuple[str, str]],
    ) -> None:
        """Offer these (value, label) choices, each after an "any" choice with an empty value."""
        anything = SelectChoice("", str(_l("Any")))
        for field, choices in (
            (self.status, statuses),
            (self.category, categories),
            (self.community, communities),
        ):
            field.choices = [anything, *(SelectChoice(value, label) for value, label in choices)]

    def validate_date_to(self, field: Any) -> None:
        """The range must not end before it starts."""
        start: date | None = self.date_from.data
        if start is not None and field.data is not None and field.data < start:
            raise ValidationError(_l("The end date is before the start date."))

    def criteria(self) -> TicketFilter:
        """The validated filter."""
        return TicketFilter(
            status=TicketStatus(self.status.data) if self.status.data else None,
            category_id=_optional_id(self.category.data),
            community_id=_optional_id(self.community.data),
            created_from=self.date_from.data,
            created_to=self.date_to.data,
            mine=bool(self.mine.data),
        )


NAME_CHARS = 100


class TicketDetailsForm(Form):
    """A ticket's details: where the resident lives, what it is about, how urgent, their name.

    Choices are ids as strings; an empty community or category (a ticket without one) keeps it.
    """

    community = SelectField(_l("Community"), default="")
    address = StringField(_l("Address"), validators=[Length(max=ADDRESS_CHARS)])
    category = SelectField(_l("Category"), default="")
    priority = SelectField(
        _l("Priority"),
        choices=[
            SelectChoice(Priority.NORMAL.value, _l("Normal")),
            SelectChoice(Priority.URGENT.value, _l("Urgent")),
        ],
    )
    resident_name = StringField(_l("Resident's name"), validators=[Length(max=NAME_CHARS)])

    def set_choices(
        self, communities: list[tuple[str, str]], categories: list[tuple[str, str]]
    ) -> None:
        """Offer these (id, name) choices, after a "not set" choice with an empty value."""
        unset = SelectChoice("", "—")
        self.community.choices = [unset, *(SelectChoice(v, label) for v, label in communities)]
        self.category.choices = [unset, *(SelectChoice(v, label) for v, label in categories)]

    @property
    def community_id(self) -> int | None:
        """The community chosen; None keeps the ticket's."""
        return _optional_id(self.community.data)

    @property
    def category_id(self) -> int | None:
        """The category chosen; None keeps the ticket's."""
        return _optional_id(self.category.data)


class NoteForm(Form):
    """A note on the ticket's timeline."""

    note = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=NOTE_CHARS)])


class StatusForm(Form):
    """Move the ticket to one of its next statuses, saying why (needed to resolve or close)."""

    status = SelectField(_l("New status"))
    note = TextAreaField(_l("Note"), validators=[Length(max=NOTE_CHARS)])

    def set_choices(self, statuses: list[tuple[str, str]]) -> None:
        """Offer these (value, label) statuses: where the ticket may go from here."""
        self.status.choices = [SelectChoice(value, label) for value, label in statuses]
