"""Fixtures for whole calls: volunteers on duty and a simulator bound to the test app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hotline import rota, tickets
from hotline.db import utcnow
from hotline.devtools.simulator import Simulator
from hotline.models import Volunteer


@pytest.fixture
def categories(session: Session) -> None:
    """The menu's categories."""
    tickets.ensure_categories(session)
    session.commit()


@pytest.fixture
def on_duty(session: Session, categories: None) -> Callable[[int], list[Volunteer]]:
    """Put `n` volunteers on duty now, layer 1 first."""

    def put(n: int) -> list[Volunteer]:
        now = utcnow()
        volunteers = [Volunteer(name=f"志愿者{i}", mobile=f"+86138000001{i:02d}") for i in range(n)]
        session.add_all(volunteers)
        session.flush()
        for layer, volunteer in enumerate(volunteers, start=1):
            rota.add_override(
                session,
                volunteer_id=volunteer.id,
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=1),
                layer=layer,
            )
        session.commit()
        return volunteers

    return put


@pytest.fixture
def simulator(app: Flask) -> Simulator:
    """The carrier, in-process, signing every request."""
    return Simulator.for_app(app, echo=lambda line: None)
