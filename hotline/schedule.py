"""Every periodic job of the hotline, in one place (Celery beat)."""

from __future__ import annotations

from typing import Any

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {}
