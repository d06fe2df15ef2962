"""Each volunteer's iCal feed: secret token, their shifts only, stable event ids."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar
from sqlalchemy.orm import Session

from hotline.rota.ical import feed_token, ical_feed, reset_feed_token
from tests.helpers import cn
from tests.rota.factories import OverrideFactory, RotationFactory, VolunteerFactory

NOW = cn("12-01 12:00")


def events(feed: bytes) -> list[tuple[str, datetime, datetime]]:
    calendar = Calendar.from_ical(feed)
    return [
        (str(e["SUMMARY"]), e.decoded("DTSTART"), e.decoded("DTEND"))
        for e in calendar.walk("VEVENT")
    ]


def test_feed_lists_the_volunteers_shifts_merged_across_layers_and_overrides(
    session: Session,
) -> None:
    a, b = VolunteerFactory(name="张伟"), VolunteerFactory()
    RotationFactory(members=[a, b], ends_at=cn("12-06 08:00"))
    RotationFactory(layer=2, members=[b, a], ends_at=cn("12-06 08:00"))
    # a also covers b's primary turn on the 2nd from 20:00, running on into a's own turn.
    OverrideFactory(volunteer=a, starts_at=cn("12-02 20:00"), ends_at=cn("12-03 08:00"))
    feed = ical_feed(session, feed_token(session, a.id), NOW)
    assert feed is not None
    assert "X-WR-CALNAME:热线值班 · 张伟" in feed.decode()
    assert events(feed) == [
        ("热线主班", cn("12-01 08:00"), cn("12-02 08:00")),
        ("热线备班", cn("12-02 08:00"), cn("12-02 20:00")),
        ("热线主班", cn("12-02 20:00"), cn("12-04 08:00")),
        ("热线备班", cn("12-04 08:00"), cn("12-05 08:00")),
        ("热线主班", cn("12-05 08:00"), cn("12-06 08:00")),
    ]


def test_event_ids_are_stable_between_refreshes(session: Session) -> None:
    a = VolunteerFactory()
    RotationFactory(members=[a])
    token = feed_token(session, a.id)
    first, again = ical_feed(session, token, NOW), ical_feed(session, token, cn("12-01 13:00"))
    assert first is not None and again is not None
    uids = [str(e["UID"]) for e in Calendar.from_ical(first).walk("VEVENT")]
    assert uids == [str(e["UID"]) for e in Calendar.from_ical(again).walk("VEVENT")]
    assert len(set(uids)) == len(uids)


def test_token_is_stable_and_reset_revokes_it(session: Session) -> None:
    a = VolunteerFactory()
    token = feed_token(session, a.id)
    assert feed_token(session, a.id) == token and len(token) >= 40
    new = reset_feed_token(session, a.id)
    assert new != token
    assert ical_feed(session, token, NOW) is None
    assert ical_feed(session, new, NOW) is not None


def test_unknown_token_gives_nothing(session: Session) -> None:
    assert ical_feed(session, "nope", NOW) is None
