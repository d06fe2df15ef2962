"""Dispatch factories on top of tests.factories (bound by the `session` fixture)."""

from __future__ import annotations

import factory

from hotline.models import Technician
from tests.factories import BaseFactory


class TechnicianFactory(BaseFactory):
    """An active technician with no skills or communities unless given."""

    class Meta:
        model = Technician

    name = factory.Sequence(lambda n: f"师傅{n:03d}")
    mobile = factory.Sequence(lambda n: f"+86137{n:08d}")
    active = True
