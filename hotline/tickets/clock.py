"""The promise's clock: how long a ticket may take, from its category and priority."""

from __future__ import annotations

from datetime import datetime, timedelta

from hotline.models import Category, Priority


def promised_hours(category: Category | None, priority: Priority, default_hours: int) -> int:
    """Hours from the call to resolution: the category's (urgent ones may be shorter)."""
    if category is None:
        return default_hours
    if priority is Priority.URGENT and category.urgent_sla_hours is not None:
        return category.urgent_sla_hours
    return category.sla_hours


def due_at(
    created_at: datetime, category: Category | None, priority: Priority, default_hours: int
) -> datetime:
    """When a ticket opened at `created_at` must be resolved; the start never moves."""
    return created_at + timedelta(hours=promised_hours(category, priority, default_hours))
