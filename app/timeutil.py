"""Times shown in the village's zone."""

from __future__ import annotations

from datetime import datetime

from points.models import Village
from points.villages import village_today, village_zone

__all__ = ["local_time", "village_today"]


def local_time(value: datetime | None, village: Village | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    if village is not None:
        value = value.astimezone(village_zone(village))
    return value.strftime(fmt)
