"""hotline.audit.record: one entry per call, texts cut to their columns, unknown actions refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import audit
from hotline.models.audit import AuditEntry
from tests.factories import UserFactory


def test_record_adds_one_entry_with_who_what_where(session: Session) -> None:
    user = UserFactory()
    entry = audit.record(
        session,
        user_id=user.id,
        username=user.username,
        action=audit.Action.RECORDING_PLAY,
        target="recording:12",
        address="203.0.113.7",
        detail="bytes=0-",
    )
    rows = session.scalars(select(AuditEntry)).all()
    assert rows == [entry]
    assert (entry.user_id, entry.username, entry.action, entry.target, entry.address) == (
        user.id,
        user.username,
        "recording.play",
        "recording:12",
        "203.0.113.7",
    )
    assert entry.at is not None and entry.at.tzinfo is not None


def test_record_cuts_long_texts_and_control_characters(session: Session) -> None:
    entry = audit.record(
        session,
        user_id=None,
        username="x\n" * 100,
        action="login.failed",
        target="t" * 300,
        address="a" * 300,
        detail="d" * 2000,
    )
    assert len(entry.username) == audit.USERNAME_MAX and "\n" not in entry.username
    assert len(entry.target) == audit.TARGET_MAX
    assert len(entry.address) == audit.ADDRESS_MAX
    assert len(entry.detail) == audit.DETAIL_MAX


def test_record_refuses_an_unknown_action(session: Session) -> None:
    with pytest.raises(ValueError):
        audit.record(session, user_id=None, username="x", action="recording.plya")
    assert session.scalars(select(AuditEntry)).all() == []
