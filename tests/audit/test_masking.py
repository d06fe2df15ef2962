"""Masking: one rule (Scope.sees_number / caller_number) for every page showing a caller's number:
whole for supervisors and admins, and for a volunteer on a call they took or a ticket assigned to
them; masked for everyone else."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.models import Role, User, Volunteer
from hotline.review import Scope
from tests import factories
from tests.helpers import page

WHOLE = "+8613800000001"
MASKED = "+86138****0001"
TEMPLATES = Path(__file__).resolve().parents[2] / "hotline" / "templates"


def test_the_rule_whole_for_supervisors_and_a_volunteers_own_calls_and_tickets(
    session: Session,
) -> None:
    me: Volunteer = factories.VolunteerFactory()
    other: Volunteer = factories.VolunteerFactory()
    my_call = factories.CallFactory(answered_by_id=me.id, from_number=WHOLE)
    their_call = factories.CallFactory(answered_by_id=other.id, from_number=WHOLE)
    their_other_call = factories.CallFactory(answered_by_id=other.id, from_number=WHOLE)
    assigned_to_me = factories.TicketFactory(call=their_call, volunteer=me, caller_number=WHOLE)
    of_my_call = factories.TicketFactory(call=my_call, volunteer=other, caller_number=WHOLE)
    theirs = factories.TicketFactory(call=their_other_call, volunteer=other, caller_number=WHOLE)
    without_call = factories.TicketFactory(call=None, volunteer=None, caller_number=WHOLE)

    supervisor = Scope.for_user(Role.SUPERVISOR, None)
    admin = Scope.for_user(Role.ADMIN, None)
    mine = Scope.for_user(Role.VOLUNTEER, me.id)
    unlinked = Scope.for_user(Role.VOLUNTEER, None)

    for scope in (supervisor, admin):
        assert scope.caller_number(WHOLE, call=their_call) == WHOLE
        assert scope.caller_number(WHOLE, ticket=theirs) == WHOLE
    assert mine.caller_number(WHOLE, call=my_call) == WHOLE
    assert mine.caller_number(WHOLE, ticket=assigned_to_me) == WHOLE
    assert mine.caller_number(WHOLE, ticket=of_my_call) == WHOLE
    assert mine.caller_number(WHOLE, call=their_call) == MASKED
    assert mine.caller_number(WHOLE, ticket=theirs) == MASKED
    assert mine.caller_number(WHOLE, ticket=without_call) == MASKED
    assert mine.caller_number(WHOLE) == MASKED
    assert unlinked.caller_number(WHOLE, call=my_call) == MASKED
    assert unlinked.caller_number(WHOLE, ticket=without_call) == MASKED
    assert mine.caller_number("", call=my_call) == ""


def test_supervisors_see_numbers_whole_on_every_page(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    volunteer: Volunteer = factories.VolunteerFactory()
    call = factories.CallFactory(answered_by_id=volunteer.id, from_number=WHOLE)
    ticket = factories.TicketFactory(call=call, caller_number=WHOLE)
    sign_in(role=Role.SUPERVISOR)

    for path in ("/calls", f"/calls/{call.id}", "/tickets", f"/tickets/{ticket.number}"):
        html = page(client, path)
        assert WHOLE in html, path
        assert MASKED not in html, path


def test_a_volunteer_sees_whole_numbers_on_their_own_calls_and_tickets(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    me: Volunteer = factories.VolunteerFactory()
    other: Volunteer = factories.VolunteerFactory()
    took = factories.CallFactory(answered_by_id=me.id, from_number=WHOLE)
    of_my_call = factories.TicketFactory(call=took, caller_number=WHOLE)
    elsewhere = factories.CallFactory(answered_by_id=other.id, from_number="+8613700000002")
    assigned = factories.TicketFactory(call=elsewhere, volunteer=me, caller_number="+8613700000002")
    sign_in(role=Role.VOLUNTEER, volunteer_id=me.id)

    for path in ("/calls", f"/calls/{took.id}", f"/tickets/{of_my_call.number}"):
        html = page(client, path)
        assert WHOLE in html and MASKED not in html, path
    listed = page(client, "/tickets")
    assert WHOLE in listed and "+8613700000002" in listed
    assert "+8613700000002" in page(client, f"/tickets/{assigned.number}")
    # The call behind a ticket assigned to them is someone else's: no page, no number.
    assert client.get(f"/calls/{elsewhere.id}").status_code == 403


def test_no_template_shows_a_callers_number_except_through_the_rule() -> None:
    shown = re.compile(r"(caller_number|from_number)\s*(\||\}\})")
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{n}"
        for path in TEMPLATES.rglob("*.html")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if shown.search(line)
    ]
    assert offenders == []
