"""Administration forms: every field bounded, every POST with its CSRF token."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from hotline import accounts
from hotline.admin import categories, people, users
from hotline.models import Role
from hotline.web.dashboard.forms import Form, QueryForm
from hotline.web.rota.forms import PERSON_TEXT

ROLE_CHOICES = [
    SelectChoice(Role.VOLUNTEER.value, _l("Volunteer")),
    SelectChoice(Role.SUPERVISOR.value, _l("Supervisor")),
    SelectChoice(Role.ADMIN.value, _l("Administrator")),
]
LOCALE_CHOICES = [
    SelectChoice("", _l("The browser's")),
    SelectChoice("zh", "中文"),
    SelectChoice("en", "English"),
]
PASSWORD_CHARS = 256


def _unset(choices: list[tuple[int, str]]) -> list[SelectChoice]:
    return [SelectChoice("", "—"), *(SelectChoice(str(i), label) for i, label in choices)]


def chosen_id(value: object) -> int | None:
    """A select's chosen row id; None for "—" or anything that is not a plain id."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


class UserForm(Form):
    """A login's role, name, language and volunteer (picked by name)."""

    display_name = StringField(
        _l("Display name"), validators=[Length(max=users.DISPLAY_NAME_CHARS)]
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.VOLUNTEER.value)
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES, default="")
    volunteer = StringField(
        _l("Volunteer (for a volunteer's login)"),
        validators=[Optional(), Length(max=PERSON_TEXT)],
    )

    def data_of(self) -> users.UserData:
        """The form as the domain takes it."""
        return users.UserData(
            Role(self.role.data),
            self.display_name.data or "",
            self.locale.data or None,
            self.volunteer.data or "",
        )


class PasswordForm(Form):
    """A new password, typed twice."""

    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(min=accounts.MIN_PASSWORD_LENGTH, max=PASSWORD_CHARS),
        ],
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))],
    )


class NewUserForm(UserForm, PasswordForm):
    """A new login: its username and first password too."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])


class ToggleForm(Form):
    """A button: only the CSRF token."""


class SearchForm(QueryForm):
    """The volunteers list's search and page."""

    q = StringField(_l("Name or mobile"), validators=[Optional(), Length(max=100)], default="")


class VolunteerForm(Form):
    """A volunteer: name, mobile, team, community, languages, party member, active."""

    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=people.NAME_CHARS)])
    mobile = StringField(_l("Mobile"), validators=[DataRequired(), Length(max=32)])
    team = SelectField(_l("Team"), default="")
    community = SelectField(_l("Community (the team's if not chosen)"), default="")
    languages = StringField(
        _l("Languages (e.g. zh, en)"),
        validators=[Length(max=people.LANGUAGES_CHARS)],
        default="zh",
    )
    party_member = BooleanField(_l("Party member"), default=True)
    active = BooleanField(_l("Active"), default=True)

    def set_choices(self, teams: list[tuple[int, str]], communities: list[tuple[int, str]]) -> None:
        """Offer these (id, name) teams and communities after "—"."""
        self.team.choices = _unset(teams)
        self.community.choices = _unset(communities)

    def data_of(self) -> people.VolunteerData:
        """The form as the domain takes it."""
        return people.VolunteerData(
            name=self.name.data or "",
            mobile=self.mobile.data or "",
            team_id=chosen_id(self.team.data),
            community_id=chosen_id(self.community.data),
            languages=self.languages.data or "",
            party_member=bool(self.party_member.data),
            active=bool(self.active.data),
        )


class TeamForm(Form):
    """A team: its name and community."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=people.NAME_CHARS)])
    community = SelectField(_l("Community"), default="")

    def set_choices(self, communities: list[tuple[int, str]]) -> None:
        """Offer these (id, name) communities after "—"."""
        self.community.choices = _unset(communities)


class CommunityForm(Form):
    """A community: its code (short, as CSV files name it) and name."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=people.CODE_CHARS), Regexp(r"^\S+$")],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=people.NAME_CHARS)])


class CategoryForm(Form):
    """A category: its code (fixed once created), names, urgent flag, promised hours."""

    code = StringField(
        _l("Code (small letters, digits, _)"),
        validators=[DataRequired(), Length(max=32), Regexp(categories.CODE.pattern + "$")],
    )
    name_zh = StringField(
        _l("Chinese name"), validators=[DataRequired(), Length(max=categories.NAME_CHARS)]
    )
    name_en = StringField(
        _l("English name"), validators=[DataRequired(), Length(max=categories.NAME_CHARS)]
    )
    urgent = BooleanField(_l("Urgent"))
    sla_hours = IntegerField(
        _l("Promised hours"),
        default=72,
        validators=[DataRequired(), NumberRange(min=1, max=categories.MAX_HOURS)],
    )
    urgent_sla_hours = IntegerField(
        _l("Promised hours when urgent (optional)"),
        validators=[Optional(), NumberRange(min=1, max=categories.MAX_HOURS)],
    )
    active = BooleanField(_l("Active (offered for new tickets)"), default=True)

    def validate_urgent_sla_hours(self, field: Any) -> None:
        """Urgent tickets are never promised more time than others."""
        normal = self.sla_hours.data
        if field.data is not None and normal is not None and field.data > normal:
            raise ValidationError(_l("Urgent hours cannot exceed the normal hours."))

    def data_of(self) -> categories.CategoryData:
        """The form as the domain takes it."""
        return categories.CategoryData(
            code=self.code.data or "",
            name_zh=self.name_zh.data or "",
            name_en=self.name_en.data or "",
            urgent=bool(self.urgent.data),
            sla_hours=int(self.sla_hours.data or 0),
            urgent_sla_hours=self.urgent_sla_hours.data,
            active=bool(self.active.data),
        )
