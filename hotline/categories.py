"""The categories of issue the IVR menu offers; every installation needs them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Category

CATEGORIES = (
    # code, Chinese name, English name, urgent
    ("water_electric", "水电维修", "water and electricity repair", False),
    ("pipe_network", "管网维修", "pipe network", False),
    ("lockout", "紧急开锁", "emergency lock-out", True),
    ("complaint", "投诉咨询", "complaint or consultation", False),
)


def ensure_categories(session: Session) -> None:
    """The menu's categories, which every installation needs."""
    existing = set(session.scalars(select(Category.code)))
    for code, name_zh, name_en, urgent in CATEGORIES:
        if code not in existing:
            session.add(Category(code=code, name_zh=name_zh, name_en=name_en, urgent=urgent))
    session.flush()
