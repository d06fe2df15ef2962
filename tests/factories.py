"""factory_boy factories for the models, bound per test to a session.

The `session` fixture (tests/conftest.py) binds them: a test that asks for `session` can call
any factory. Outside the fixture, bind them yourself with `with factories.bound(session):`.

Factories only flush (rows get ids; the test's transaction decides). Before a test-client
request or a task, `session.commit()`: they read through sessions of their own (the commit
releases a SAVEPOINT; the test's transaction is rolled back at its end). Defaults are
the smallest valid row; relations that may be missing in real data (a ticket's call, category,
community) stay empty unless passed:

    TicketFactory(call=CallFactory(), category=CategoryFactory())
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import factory
from sqlalchemy.orm import Session

from hotline import accounts
from hotline.db import utcnow
from hotline.models import (
    Call,
    CallEvent,
    CallOutcome,
    Category,
    Community,
    Recording,
    RecordingStatus,
    Role,
    Ticket,
    Transcript,
    User,
    Volunteer,
)

PASSWORD = "correct horse battery staple"
_session: Session | None = None


def _current_session() -> Session:
    if _session is None:
        raise RuntimeError("factories are not bound: use `with factories.bound(session):`")
    return _session


@contextmanager
def bound(session: Session) -> Iterator[Session]:
    """Make every factory write through `session` while the block runs."""
    global _session
    _session = session
    try:
        yield session
    finally:
        _session = None


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory):
    """Flushes into the bound session."""

    class Meta:
        abstract = True
        sqlalchemy_session_factory = _current_session
        sqlalchemy_session_persistence = "flush"


class CommunityFactory(BaseFactory):
    class Meta:
        model = Community

    code = factory.Sequence(lambda n: f"c{n:03d}")
    name = factory.Sequence(lambda n: f"社区{n}")


class CategoryFactory(BaseFactory):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"cat{n}")
    name_zh = factory.Sequence(lambda n: f"类别{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    urgent = False


class VolunteerFactory(BaseFactory):
    class Meta:
        model = Volunteer

    name = factory.Sequence(lambda n: f"志愿者{n}")
    mobile = factory.Sequence(lambda n: f"+86139{n:08d}")


class UserFactory(BaseFactory):
    """A dashboard user whose password is `password` (PASSWORD unless given)."""

    class Meta:
        model = User

    class Params:
        password = PASSWORD

    username = factory.Sequence(lambda n: f"user{n}")
    # A cheap hash keeps tests fast; accounts.authenticate checks any werkzeug hash.
    password_hash = factory.LazyAttribute(
        lambda o: accounts.hash_password(o.password, cost=(16, 8, 1))  # fast; same format
    )
    role = Role.SUPERVISOR
    active = True
    locale = None


class CallFactory(BaseFactory):
    class Meta:
        model = Call

    call_sid = factory.Sequence(lambda n: f"CA{n:032x}")
    from_number = factory.Sequence(lambda n: f"+86138{n:08d}")
    to_number = "+8657100000000"
    outcome = CallOutcome.ANSWERED
    started_at = factory.LazyFunction(utcnow)
    path = factory.LazyFunction(list)
    chain = factory.LazyFunction(list)


class CallEventFactory(BaseFactory):
    """A logged webhook of `call` (a new call unless given); `payload` holds its parameters."""

    class Meta:
        model = CallEvent

    call_sid = factory.LazyAttribute(lambda o: o.call.call_sid)
    kind = "status"
    dedupe_key = factory.Sequence(lambda n: f"event:{n}")
    payload = factory.LazyFunction(dict)
    received_at = factory.LazyFunction(utcnow)

    class Params:
        call = factory.SubFactory(CallFactory)


class RecordingFactory(BaseFactory):
    """A voicemail of `call` (a new call unless given)."""

    class Meta:
        model = Recording

    recording_sid = factory.Sequence(lambda n: f"RE{n:032x}")
    call_id = factory.SelfAttribute("call.id")
    url = factory.LazyAttribute(lambda o: f"https://carrier.example/Recordings/{o.recording_sid}")
    duration_s = 30
    status = RecordingStatus.AWAITING_DOWNLOAD

    class Params:
        call = factory.SubFactory(CallFactory)


class TranscriptFactory(BaseFactory):
    class Meta:
        model = Transcript

    recording = factory.SubFactory(RecordingFactory)
    text = "楼道里的水管漏水了"
    current = True


class TicketFactory(BaseFactory):
    """A ticket with no call, category or community unless given."""

    class Meta:
        model = Ticket

    # Far above what hotline.tickets.next_number hands out in a test, so both can mix.
    seq = factory.Sequence(lambda n: 900000 + n)
    year = 2026
    number = factory.LazyAttribute(lambda o: f"{o.year}-{o.seq:06d}")
    created_at = factory.LazyFunction(utcnow)
    due_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(hours=72))
