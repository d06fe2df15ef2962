"""The search form: a GET form of words and filters, every field bounded."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from hotline.models import TicketStatus
from hotline.search import MAX_QUERY_CHARS, SearchFilter
from hotline.web.dashboard.forms import QueryForm

REVIEWED = {"yes": True, "no": False}


def _optional_id(value: str) -> int | None:
    return int(value) if value else None


class SearchForm(QueryForm):
    """Words to find, and the filters that narrow them."""

    q = StringField(_l("Search"), validators=[Length(max=MAX_QUERY_CHARS)], default="")
    date_from = DateField(_l("Created from"), validators=[Optional()])
    date_to = DateField(_l("Created until"), validators=[Optional()])
    community = SelectField(_l("Community"), default="")
    category = SelectField(_l("Category"), default="")
    status = SelectField(_l("Status"), default="")
    reviewed = SelectField(_l("Reviewed"), default="")
    urgent = BooleanField(_l("Urgent only"))
    history = BooleanField(_l("Include earlier transcripts"))

    def set_choices(
        self,
        statuses: list[tuple[str, str]],
        categories: list[tuple[str, str]],
        communities: list[tuple[str, str]],
    ) -> None:
        """Offer these (value, label) choices, each after an "any" choice with an empty value."""
        anything = SelectChoice("", str(_l("Any")))
        reviewed = [("yes", str(_l("Reviewed"))), ("no", str(_l("Not reviewed")))]
        for field, choices in (
            (self.status, statuses),
            (self.category, categories),
            (self.community, communities),
            (self.reviewed, reviewed),
        ):
            field.choices = [anything, *(SelectChoice(value, label) for value, label in choices)]

    def validate_date_to(self, field: Any) -> None:
        """The range must not end before it starts."""
        start: date | None = self.date_from.data
        if start is not None and field.data is not None and field.data < start:
            raise ValidationError(_l("The end date is before the start date."))

    @property
    def query(self) -> str:
        """The words typed, trimmed."""
        return str(self.q.data or "").strip()

    def criteria(self) -> SearchFilter:
        """The validated filters."""
        return SearchFilter(
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            community_id=_optional_id(self.community.data),
            category_id=_optional_id(self.category.data),
            status=TicketStatus(self.status.data) if self.status.data else None,
            urgent=bool(self.urgent.data),
            reviewed=REVIEWED.get(self.reviewed.data or ""),
            history=bool(self.history.data),
        )
