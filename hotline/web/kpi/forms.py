"""The KPI page's period picker, read from the query string."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional

from hotline import kpi
from hotline.web.dashboard.forms import QueryForm

KINDS = [
    SelectChoice(kpi.PeriodKind.MONTH.value, _l("A month")),
    SelectChoice(kpi.PeriodKind.QUARTER.value, _l("A quarter")),
    SelectChoice(kpi.PeriodKind.YEAR.value, _l("A year")),
    SelectChoice(kpi.PeriodKind.CUSTOM.value, _l("Chosen days")),
]


class PeriodForm(QueryForm):
    """A month, quarter or year (by any day in it), or chosen days from and to."""

    kind = SelectField(_l("Period"), choices=KINDS, default=kpi.PeriodKind.MONTH.value)
    day = DateField(_l("Containing"), validators=[Optional()])
    date_from = DateField(_l("First day"), validators=[Optional()])
    date_to = DateField(_l("Last day"), validators=[Optional()])

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, and both ends for chosen days (Optional() stops a field's own checks
        when it is empty)."""
        valid: bool = super().validate(extra_validators)
        if valid and self.kind.data == kpi.PeriodKind.CUSTOM.value:
            for end in (self.date_from, self.date_to):
                if end.data is None:
                    end.errors = [*end.errors, _l("Choose the first and the last day.")]
                    valid = False
        return valid

    def period(self, today: date) -> kpi.Period:
        """The validated period (PeriodError if the domain refuses it)."""
        kind = kpi.PeriodKind(self.kind.data)
        if kind is kpi.PeriodKind.CUSTOM:
            return kpi.custom(self.date_from.data, self.date_to.data)
        return kpi.period_of(kind, self.day.data or today)
