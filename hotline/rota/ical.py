"""Each volunteer's shifts as an iCal feed behind a secret token, for phone calendars."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.messaging.texts import text
from hotline.models import CalendarFeed, Volunteer
from hotline.rota.chain import layer_label, merge_runs
from hotline.rota.duty import shifts_between

FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=90)
# Phone calendars poll at their own pace; this asks them to refresh at least hourly.
REFRESH = timedelta(hours=1)


def feed_token(session: Session, volunteer_id: int) -> str:
    """The volunteer's feed token, created on first use."""
    feed = session.get(CalendarFeed, volunteer_id)
    if feed is None:
        feed = CalendarFeed(volunteer_id=volunteer_id, token=secrets.token_urlsafe(32))
        session.add(feed)
        session.flush()
    return feed.token


def reset_feed_token(session: Session, volunteer_id: int) -> str:
    """Replace the volunteer's token: calendars subscribed with the old URL stop updating."""
    feed = session.get(CalendarFeed, volunteer_id)
    if feed is None:
        return feed_token(session, volunteer_id)
    feed.token = secrets.token_urlsafe(32)
    session.flush()
    return feed.token


def ical_feed(session: Session, token: str, now: datetime) -> bytes | None:
    """The iCal document of the shifts of the volunteer owning `token`, or None if unknown."""
    found = session.execute(
        select(Volunteer.id, Volunteer.name)
        .join(CalendarFeed, CalendarFeed.volunteer_id == Volunteer.id)
        .where(CalendarFeed.token == token)
    ).first()
    if found is None:
        return None
    volunteer_id, name = found
    calendar = Calendar.new(
        name=text("ical.calendar_name", name=name),
        prodid="-//hotline//rota//ZH",
        refresh_interval=REFRESH,
    )
    windows = shifts_between(session, now - FEED_PAST, now + FEED_AHEAD, volunteer_id=volunteer_id)
    for run in merge_runs(windows):
        calendar.add_component(
            Event.new(
                # Stable per shift, so a refresh updates events instead of duplicating them.
                uid=f"rota-{volunteer_id}-{run.layer}-{run.starts_at:%Y%m%dT%H%M%SZ}@hotline",
                start=run.starts_at,
                end=run.ends_at,
                stamp=now,
                summary=text("ical.shift_summary", layer=layer_label(run.layer)),
                description=text("ical.shift_description"),
            )
        )
    return bytes(calendar.to_ical())
