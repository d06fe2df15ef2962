"""Rota factories on top of tests.factories (bind them with `factories.bound(session)`)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import factory

from hotline.models import Leave, Override, Rotation, RotationMember, SwapRequest, SwapStatus, Team
from tests.factories import BaseFactory, VolunteerFactory

__all__ = [
    "LeaveFactory",
    "OverrideFactory",
    "RotationFactory",
    "SwapFactory",
    "TeamFactory",
    "VolunteerFactory",
]

START = datetime.fromisoformat("2026-12-01T08:00:00+08:00")


class TeamFactory(BaseFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"服务队{n}")


class RotationFactory(BaseFactory):
    """Daily turns handing off at 08:00 Beijing time from 2026-12-01; pass `members=[...]`."""

    class Meta:
        model = Rotation

    name = factory.Sequence(lambda n: f"轮值{n}")
    layer = 1
    shift_hours = 24
    handoff_time = time(8, 0)
    timezone = "Asia/Shanghai"
    starts_at = START

    @factory.post_generation
    def members(obj: Rotation, create: bool, extracted: Any, **kwargs: Any) -> None:
        obj.members = [
            RotationMember(position=i, volunteer_id=v.id) for i, v in enumerate(extracted or [])
        ]


class OverrideFactory(BaseFactory):
    """`volunteer` covers layer 1 for an hour from START unless told otherwise."""

    class Meta:
        model = Override

    volunteer = factory.SubFactory(VolunteerFactory)
    layer = 1
    starts_at = START
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))


class LeaveFactory(BaseFactory):
    """`volunteer` away for a day from START unless told otherwise."""

    class Meta:
        model = Leave

    volunteer = factory.SubFactory(VolunteerFactory)
    starts_at = START
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(days=1))


class SwapFactory(BaseFactory):
    """`offered_by` offering eight hours from START on layer 1, open to anyone."""

    class Meta:
        model = SwapRequest

    offered_by = factory.SubFactory(VolunteerFactory)
    starts_at = START
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=8))
    status = SwapStatus.OFFERED
