"""People by name: the pickers' search, its JSON page, and names typed into the rota forms."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import rota
from hotline.models import Override, Role, Rotation, User
from hotline.rota.people import MAX_FOUND
from tests.dispatch.factories import TechnicianFactory
from tests.helpers import page
from tests.rota.factories import TeamFactory, VolunteerFactory

ROTATION = {
    "name": "白班",
    "layer": "1",
    "shift_hours": "24",
    "handoff": "08:00",
    "starts": "2026-12-01T08:00",
}

# An override's or leave's window (far ahead, so never in the past).
WINDOW = {"layer": "1", "starts": "2030-12-01T08:00", "ends": "2030-12-01T20:00"}


def names(found: list[rota.Person]) -> list[str]:
    return [person.name for person in found]


def test_search_finds_chinese_names_by_any_part_exact_first(session: Session) -> None:
    VolunteerFactory(name="王芳芳")
    VolunteerFactory(name="李王芳")
    VolunteerFactory(name="王芳")
    VolunteerFactory(name="张伟")

    assert names(rota.search_volunteers(session, "王芳")) == ["王芳", "王芳芳", "李王芳"]
    assert names(rota.search_volunteers(session, "伟")) == ["张伟"]
    assert rota.search_volunteers(session, "赵") == []


def test_search_shows_duplicates_apart_by_team_and_masked_number(session: Session) -> None:
    east, west = TeamFactory(name="东城队"), TeamFactory(name="西城队")
    a = VolunteerFactory(name="王芳", team=east, mobile="+8613800000001")
    b = VolunteerFactory(name="王芳", team=west, mobile="+8613900000002")

    found = rota.search_volunteers(session, "王芳")

    assert [(p.id, p.team, p.masked, p.label) for p in found] == [
        (a.id, "东城队", "+86138****0001", f"王芳 #{a.id}"),
        (b.id, "西城队", "+86139****0002", f"王芳 #{b.id}"),
    ]


def test_search_by_digits_of_the_number(session: Session) -> None:
    a = VolunteerFactory(name="张伟", mobile="+8613812345678")
    VolunteerFactory(name="李娜", mobile="+8613900000000")

    assert [p.id for p in rota.search_volunteers(session, "5678")] == [a.id]
    assert [p.id for p in rota.search_volunteers(session, "138 1234")] == [a.id]
    assert rota.search_volunteers(session, "12") == []  # too few digits to mean a number


def test_search_leaves_out_inactive_volunteers(session: Session) -> None:
    VolunteerFactory(name="王芳", active=False)
    active = VolunteerFactory(name="王芳")

    assert [p.id for p in rota.search_volunteers(session, "王芳")] == [active.id]


@pytest.mark.parametrize(("asked", "answered"), [(0, 1), (3, 3), (10_000, MAX_FOUND)])
def test_search_limit_is_clamped(session: Session, asked: int, answered: int) -> None:
    for n in range(MAX_FOUND + 5):
        VolunteerFactory(name=f"王{n:02d}")

    assert len(rota.search_volunteers(session, "王", limit=asked)) == answered


def test_search_with_technicians_lists_them_first_with_their_own_label(session: Session) -> None:
    technician = TechnicianFactory(name="王师傅")
    volunteer = VolunteerFactory(name="王芳")
    TechnicianFactory(name="王工", active=False)

    found = rota.search_people(session, "王", technicians=True)

    assert [(p.label, p.technician) for p in found] == [
        (f"王师傅 #t{technician.id}", True),
        (f"王芳 #{volunteer.id}", False),
    ]
    assert [p.id for p in rota.search_volunteers(session, "王")] == [volunteer.id]


def test_search_reads_like_wildcards_as_text(session: Session) -> None:
    VolunteerFactory(name="王芳")

    assert rota.search_volunteers(session, "%") == []
    assert rota.search_volunteers(session, "_") == []


def test_resolve_takes_picks_numbers_and_unique_names_in_order(session: Session) -> None:
    a = VolunteerFactory(name="王芳", mobile="+8613800000001")
    b = VolunteerFactory(name="张伟")
    c = VolunteerFactory(name="王芳")

    assert rota.resolve_volunteers(session, ["张伟", f"王芳 #{c.id}", "138-0000-0001"]) == [
        b.id,
        c.id,
        a.id,
    ]
    assert rota.resolve_volunteers(session, ["伟"]) == [b.id]  # the one name containing it


def test_resolve_lists_the_candidates_of_an_ambiguous_name(session: Session) -> None:
    VolunteerFactory(name="王芳", team=TeamFactory(name="东城队"), mobile="+8613800000001")
    VolunteerFactory(name="王芳", mobile="+8613900000002")

    with pytest.raises(rota.RotaError) as refused:
        rota.resolve_volunteers(session, ["王芳"])

    assert str(refused.value) == (
        "several people are called 王芳: 王芳 (东城队, +86138****0001), "
        "王芳 (—, +86139****0002); pick one"
    )


def test_resolve_names_what_fits_nobody(session: Session) -> None:
    VolunteerFactory(name="王芳", active=False)

    with pytest.raises(rota.RotaError) as refused:
        rota.resolve_volunteers(session, ["王芳", "#999999"])

    assert refused.value.params == {"names": "王芳, #999999"}


def test_people_json_for_staff_only(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    volunteer = VolunteerFactory(name="王芳", team=TeamFactory(name="东城队"))
    me = sign_in(role=Role.VOLUNTEER, volunteer_id=volunteer.id)
    assert me.volunteer_id is not None
    assert client.get("/rota/people.json?q=王").status_code == 403

    client.post("/logout")
    sign_in(role=Role.SUPERVISOR)
    answer = client.get("/rota/people.json?q=王芳&limit=junk").get_json()
    assert answer == {
        "people": [
            {
                "id": volunteer.id,
                "name": "王芳",
                "team": "东城队",
                "masked": volunteer.mobile[:6] + "****" + volunteer.mobile[-4:],
                "technician": False,
                "label": f"王芳 #{volunteer.id}",
            }
        ]
    }
    assert client.get("/rota/people.json?q=" + "王" * 500).status_code == 400


def test_rotation_members_by_name(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    a, b = VolunteerFactory(name="王芳"), VolunteerFactory(name="张伟")
    sign_in(role=Role.SUPERVISOR)

    form = {**ROTATION, "members": f"张伟\n王芳 #{a.id}\n"}
    assert client.post("/rota/rotations", data=form).status_code == 302

    rotation = session.scalars(select(Rotation)).one()
    assert [m.volunteer_id for m in rotation.members] == [b.id, a.id]
    edit = page(client, f"/rota/rotations/{rotation.id}/edit")
    assert f"张伟 #{b.id}\n王芳 #{a.id}</textarea>" in edit
    assert 'data-picker="/rota/people.json"' in edit


def test_ambiguous_member_name_shows_the_candidates_in_chinese(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    VolunteerFactory(name="王芳", team=TeamFactory(name="东城队"), mobile="+8613800000001")
    VolunteerFactory(name="王芳", mobile="+8613900000002")
    sign_in(role=Role.SUPERVISOR)

    html = client.post("/rota/rotations", data={**ROTATION, "members": "王芳"}).get_data(
        as_text=True
    )

    assert "有多人叫 王芳：王芳 (东城队, +86138****0001), 王芳 (—, +86139****0002)" in html
    assert session.scalars(select(Rotation)).all() == []


@pytest.mark.parametrize("path", ["/rota/overrides", "/rota/leave"])
def test_unknown_name_in_override_and_leave_forms(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], path: str
) -> None:
    sign_in(role=Role.SUPERVISOR)

    html = client.post(path, data={**WINDOW, "volunteer": "赵六"}).get_data(as_text=True)

    assert "没有叫这个名字或使用这个号码的志愿者：赵六" in html


def test_override_by_a_unique_name(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    cover = VolunteerFactory(name="李娜")
    sign_in(role=Role.SUPERVISOR)

    assert client.post("/rota/overrides", data={**WINDOW, "volunteer": "李娜"}).status_code == 302
    assert session.scalars(select(Override.volunteer_id)).one() == cover.id


def test_resolve_assignee_by_pick_number_or_name_of_either_kind(session: Session) -> None:
    technician = TechnicianFactory(name="李师傅", mobile="+8613600000009")
    volunteer = VolunteerFactory(name="王芳")

    assert rota.resolve_assignee(session, f"李师傅 #t{technician.id}") == (technician.id, None)
    assert rota.resolve_assignee(session, "136 0000 0009") == (technician.id, None)
    assert rota.resolve_assignee(session, "王芳") == (None, volunteer.id)
    assert rota.resolve_assignee(session, f"#{volunteer.id}") == (None, volunteer.id)
    with pytest.raises(rota.RotaError):
        rota.resolve_assignee(session, "赵六")


def test_a_technicians_pick_is_no_rota_member(session: Session) -> None:
    technician = TechnicianFactory(name="李师傅")

    with pytest.raises(rota.RotaError) as refused:
        rota.resolve_volunteers(session, [f"李师傅 #t{technician.id}"])

    assert refused.value.params == {"names": f"李师傅 #t{technician.id}"}
